"""Measure again, on this machine and with the current runner, a sample of the layer rows of a
measurements CSV, and compare: do the stored figures still hold (same machine, changed runner or
software), and how far apart are two campaigns (repeatability beyond one row's own spread)?

    .venv-test/bin/python benchmarks/remeasure.py calibration/cpu-xeon-2core-tf/measurements.csv --rows 12

Run it on an otherwise idle machine: CodeCarbon's CPU estimate counts every process's load.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from pathlib import Path

from energy_lint.calibration import keras_backend
from energy_lint.calibration.measurements import read_rows
from energy_lint.calibration.runner import measure
from energy_lint.calibration.single_layer import build_layer_model
from energy_lint.calibration.suite import LayerCase


def case_of(row: dict) -> LayerCase:
    shapes = row["input_shape"]
    shapes = shapes if isinstance(shapes[0], list) else [shapes]
    return LayerCase(row["layer_class"], row["layer_config"], shapes, row["family"], row.get("source", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--rows", type=int, default=12)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--min-seconds", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    rows = [r for r in read_rows([options.csv]) if r["layer_class"] not in ("Model", "Identity")]
    sample = random.Random(options.seed).sample(rows, min(options.rows, len(rows)))
    keras_backend.select_device(options.device)
    keras = keras_backend.import_keras()
    ratios = []
    print(f"{'layer':<28} {'batch':>5} {'stored J':>10} {'now J':>10} {'now/stored':>10} {'spread':>7}")
    for row in sample:
        model, inputs = build_layer_model(keras, case_of(row))
        now = measure(
            keras_backend.make_forward(keras, model, inputs),
            device=options.device,
            min_seconds=options.min_seconds,
            repeats=options.repeats,
            idle_power_w=0.0,
        )
        ratio = now.energy_j / float(row["energy_j"])
        ratios.append(ratio)
        print(
            f"{row['layer_class']:<28} {row['batch_size']:>5} {float(row['energy_j']):>10.4g} "
            f"{now.energy_j:>10.4g} {ratio:>10.3f} {now.energy_spread:>7.1%}"
        )
        keras_backend.release(keras)
    print(
        json.dumps(
            {
                "rows": len(ratios),
                "median_ratio": statistics.median(ratios),
                "min_ratio": min(ratios),
                "max_ratio": max(ratios),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
