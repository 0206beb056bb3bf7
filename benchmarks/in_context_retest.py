"""Test-retest of the whole-model ground truth of an in-context campaign (issue 18): time again,
with the campaign's own protocol (calibration/in_context.py: every pass timed, the median pass of
each window, the median over windows), a seeded sample of the CSV's Model rows, and compare.

A row's own spread says how much its windows disagreed within one measurement; the retest says
how far a second measurement, minutes or hours later, lands from the first: the noise every
accuracy figure computed on these rows carries.

    PYTHONPATH=$PWD .venv-test/bin/python benchmarks/in_context_retest.py \\
        --csv calibration/cpu-xeon-2core-tf-ctx2/measurements.csv --models 30 [--write]

Run it on an otherwise idle machine of the kind the CSV was measured on."""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, machine_lines, markdown_table, write_section

SECTION = "in-context-retest"
HEADER = ["Model", "Campaign (ms)", "Retest (ms)", "Retest / campaign", "Campaign spread", "Retest spread"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, required=True)
    parser.add_argument("--models", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--whole-seconds", type=float, default=0.4)
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()

    from energy_lint.calibration import in_context, keras_backend
    from energy_lint.calibration.measurements import read_rows
    from energy_lint.graph import read_model
    from energy_lint.graph.architectures import is_keras_hub_backbone
    from energy_lint.graph.files import read_raw_model

    started = time.monotonic()
    info = machine()
    rows = [
        r
        for r in read_rows([options.csv])
        if r.get("layer_class") == "Model"
        and not is_keras_hub_backbone(read_raw_model(options.csv.parent / r["layer_config"]["model"]).config)
    ]  # a KerasHub configuration is no Keras model to rebuild here (transformer_campaign runs it)
    if not rows:
        sys.exit(f"{options.csv}: no Model rows to time again")
    sample = random.Random(options.seed).sample(rows, min(options.models, len(rows)))
    keras_backend.select_device("cpu")
    threads = in_context.set_threads()
    keras = keras_backend.import_keras()
    table, ratios, first_spreads, second_spreads = [], [], [], []
    for row in sample:
        path = options.csv.parent / row["layer_config"]["model"]
        batch = int(float(row["batch_size"]))
        graph = read_model(path, batch)
        model = keras_backend.build_model(keras, read_raw_model(path))
        forward = in_context.make_pass(keras, model, keras_backend.random_inputs(model, graph))
        deadline = time.perf_counter() + 0.5
        while time.perf_counter() < deadline:
            forward()
        timing = in_context.WholeTiming()
        timing.add(forward, options.whole_seconds, options.repeats)
        keras_backend.release(keras)
        first, second = float(row["duration_s"]), timing.seconds
        ratios.append(second / first)
        first_spreads.append(float(row["energy_spread"]))
        second_spreads.append(timing.spread)
        table.append(
            [
                f"{row['model']} x{batch}",
                f"{first * 1e3:.2f}",
                f"{second * 1e3:.2f}",
                f"{second / first - 1:+.1%}",
                f"{first_spreads[-1]:.1%}",
                f"{timing.spread:.1%}",
            ]
        )
        print(" | ".join(table[-1]), file=sys.stderr)
    deviations = sorted(abs(r - 1) for r in ratios)
    body = "\n".join(
        [
            "## Test-retest of the in-context whole-model times (benchmarks/in_context_retest.py)",
            "",
            *machine_lines(info),
            f"- Data: {options.csv}, {len(sample)} Model rows sampled with seed {options.seed}; "
            f"windows {options.repeats} x {options.whole_seconds} s; TensorFlow {threads.describe()}; "
            f"{time.monotonic() - started:.0f} s",
            f"- Command: `PYTHONPATH=$PWD .venv-test/bin/python benchmarks/in_context_retest.py --csv "
            f"{options.csv} --models {options.models} --write`",
            "",
            markdown_table(
                [
                    "Model",
                    "Campaign (ms)",
                    "Retest (ms)",
                    "Retest / campaign",
                    "Campaign spread",
                    "Retest spread",
                ],
                table,
                right=[1, 2, 3, 4, 5],
            ),
            "",
            f"|retest / campaign - 1|: median {statistics.median(deviations):.1%}, "
            f"90th percentile {deviations[int(0.9 * (len(deviations) - 1))]:.1%}, "
            f"RMS {statistics.fmean(d * d for d in deviations) ** 0.5:.1%}; within one measurement "
            f"the windows spread by a median {statistics.median(first_spreads):.1%} (campaign) and "
            f"{statistics.median(second_spreads):.1%} (retest) (target <= 3%).",
        ]
    )
    print(body)
    if options.write:
        write_section(SECTION, body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
