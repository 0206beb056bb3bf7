"""How well the fused share of a layer is told from its context, architectures held out by family:
a profile's fusion table (estimation/fusion.py: the chain of layers fused so far into the kernel
before it) against one share per family and the share split by whether the previous layer
multiplies by weights (what profiles kept before). Each family's layers are judged by a table
fitted on the other families' in-context rows, walking each run in order with the table's own
judgements, as `check` does.

    PYTHONPATH=. python benchmarks/fusion_table.py \\
        --csv calibration/cpu-epyc-2core-ort/measurements.csv --write

Scores per layer row that runs (no free rows): Brier score of the share against fused (1) or not
(0); the mean share left to fused rows (what they are still priced at, as a share of their timed
cost); the share taken off rows that ran, weighted by their measured time (time priced away).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _common import machine, machine_lines, markdown_table, write_section

from energy_lint.calibration.after_matmul import after_matmul_flags
from energy_lint.calibration.architecture_families import architecture_family
from energy_lint.calibration.fit import architecture_of
from energy_lint.calibration.fusion_rows import row_fused, run_steps
from energy_lint.calibration.measurements import read_rows
from energy_lint.estimation.fusion import FusionTable, Step, observed_contexts

SCHEMES = ("one share per family", "split after a weight layer", "fusion table")


@dataclass
class MeasuredRun:
    """One run's layers that run, read once: its architecture family, (row index, step) pairs,
    which had no time of their own, and their context keys with the chains the runtime built."""

    family: str
    members: list[tuple[int, Step]]
    fused: list[bool]
    keys: list[list[str]]


def measured_runs(rows: list[dict]) -> list[MeasuredRun]:
    runs = []
    for members in run_steps(rows):
        fused = [row_fused(rows[i]) for i, _ in members]
        keys = observed_contexts([step for _, step in members], fused)
        runs.append(
            MeasuredRun(architecture_family(architecture_of(rows[members[0][0]])), members, fused, keys)
        )
    return runs


def judged(runs: list[MeasuredRun], after: list[bool], held: str) -> dict[str, dict[int, float]]:
    """Each held-out row's share by each scheme, fitted on the other families' rows."""
    counts: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0])
    examples = []
    for run in runs:
        if run.family == held:
            continue
        examples += zip(run.keys, run.fused, strict=True)
        for (i, step), was_fused in zip(run.members, run.fused, strict=True):
            for key in ((step.family,), (step.family, str(after[i]))):
                counts[key][0] += was_fused
                counts[key][1] += 1
    table = FusionTable.fit(examples)

    def share(key: tuple[str, ...]) -> float:
        fused, total = counts.get(key, (0, 0))
        return fused / total if total else table.default

    out: dict[str, dict[int, float]] = {scheme: {} for scheme in SCHEMES}
    for run in runs:
        if run.family != held:
            continue
        shares = table.predict([step for _, step in run.members])
        for (i, step), from_table in zip(run.members, shares, strict=True):
            out[SCHEMES[0]][i] = share((step.family,))
            out[SCHEMES[1]][i] = share((step.family, str(after[i])))
            out[SCHEMES[2]][i] = from_table
    return out


def scores(shares: np.ndarray, fused: np.ndarray, seconds: np.ndarray) -> list[str]:
    brier = float(np.mean((shares - fused) ** 2))
    left = float(np.mean(1.0 - shares[fused == 1])) if (fused == 1).any() else 0.0
    ran = fused == 0
    taken = float(np.sum(shares[ran] * seconds[ran]) / max(np.sum(seconds[ran]), 1e-30))
    return [f"{brier:.3f}", f"{left:.1%}", f"{taken:.1%}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, required=True, help="an in-context campaign (contract 3)")
    parser.add_argument("--write", action="store_true", help="write the fusion-table section")
    options = parser.parse_args()
    rows = read_rows([options.csv])
    runs = measured_runs(rows)
    after = after_matmul_flags(rows)
    families = sorted({run.family for run in runs})
    shares: dict[str, dict[int, float]] = {scheme: {} for scheme in SCHEMES}
    for held in families:
        for scheme, judged_rows in judged(runs, after, held).items():
            shares[scheme].update(judged_rows)
    family_of_row = {i: run.family for run in runs for i, _ in run.members}
    indices = sorted(shares[SCHEMES[0]])
    fused = np.array([float(row_fused(rows[i])) for i in indices])
    seconds = np.array([float(rows[i].get("duration_s") or 0.0) for i in indices])
    by_family = defaultdict(list)
    for position, i in enumerate(indices):
        by_family[family_of_row[i]].append(position)
    table_rows = []
    for scheme in SCHEMES:
        judged_shares = np.array([shares[scheme][i] for i in indices])
        worst = sorted(
            by_family,
            key=lambda f: -float(np.mean((judged_shares[by_family[f]] - fused[by_family[f]]) ** 2)),
        )[:3]
        table_rows.append([scheme, *scores(judged_shares, fused, seconds), ", ".join(worst)])
    header = [
        "fused share from",
        "Brier score",
        "share left to fused rows",
        "time priced away from rows that ran",
        "worst held-out families (Brier)",
    ]
    table = markdown_table(header, table_rows)
    summary = (
        f"{len(indices)} layer rows that run, {int(fused.sum())} with no time of their own, "
        f"{len(families)} architecture families, each held out in turn."
    )
    print(summary)
    print(table)
    if options.write:
        body = "\n".join(
            [
                "## Which layers a runtime fuses, told from their context (benchmarks/fusion_table.py)",
                "",
                *machine_lines(machine()),
                f"- Data: {options.csv} (in-context rows; a row is fused when it had no time of its own)",
                f"- Command: `PYTHONPATH=. python benchmarks/fusion_table.py --csv {options.csv} --write`",
                "",
                summary,
                "",
                table,
            ]
        )
        print(f"wrote {write_section('fusion-table', body)}")


if __name__ == "__main__":
    main()
