"""How often a runtime fuses a layer into the one before it, by family and by whether that one
multiplies by weights (a conv or dense layer): the two fused shares a profile keeps per family
(calibration/fit.py Dataset.fused_shares, estimation/features.py AFTER_MATMUL), read off an
in-context campaign with the code calibrate uses.

    PYTHONPATH=. python benchmarks/fused_after_matmul.py \\
        --csv calibration/cpu-epyc-2core-ort/measurements.csv --write
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from _common import machine, machine_lines, markdown_table, write_section

from energy_lint.calibration.fit import collect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, required=True, help="an in-context campaign (contract 3)")
    parser.add_argument("--write", action="store_true", help="write the fused-after-matmul section")
    options = parser.parse_args()
    with options.csv.open(newline="") as handle:
        data = collect(list(csv.DictReader(handle)), context="in-model")
    rows = []
    for family, contexts in sorted(data.contexts.items()):
        after = [fused for _, right_after, fused in contexts if right_after]
        other = [fused for _, right_after, fused in contexts if not right_after]
        kept = data.fused_shares(family)
        rows.append([
            family,
            f"{sum(after)} of {len(after)}" + (f" ({sum(after) / len(after):.1%})" if after else ""),
            f"{sum(other)} of {len(other)}" + (f" ({sum(other) / len(other):.1%})" if other else ""),
            "split" if kept[1] is not None else f"one share, {kept[0]:.1%}",
        ])  # fmt: skip
    header = ["family", "fused right after a conv/dense layer", "fused elsewhere", "profile keeps"]
    table = markdown_table(header, rows)
    print(table)
    if options.write:
        body = "\n".join(
            [
                "## Fused layers: right after a weight layer or not (benchmarks/fused_after_matmul.py)",
                "",
                *machine_lines(machine()),
                f"- Data: {options.csv} (in-context rows; a row is fused when it had no time of its own)",
                "- Command: `PYTHONPATH=. python benchmarks/fused_after_matmul.py"
                f" --csv {options.csv} --write`",
                "",
                table,
            ]
        )
        print(f"wrote {write_section('fused-after-matmul', body)}")


if __name__ == "__main__":
    main()
