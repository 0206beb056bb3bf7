"""How fast batch-1 Dense layers read their weights in context, split by the size of the layer
and of the model around it: a matrix-vector product is bound by reading its weights, and a model
whose weights stay in the last-level cache from pass to pass reads them at cache bandwidth, not
DRAM bandwidth. A layer's own features cannot tell the two apart; this says how far apart they
are on the machine a campaign measured.

    python benchmarks/matvec_bandwidth.py --csv calibration/cpu-epyc-2core-ort/measurements.csv \\
        --model-mib 16 --layer-mib 1

Reads only the CSV (contract 3): Dense rows at batch 1 whose input is one vector per sample
(rank 2), their `params` and `duration_s`, and each model's weights as the sum of its layer
rows' `params` at batch 1 (4 bytes each).
"""

from __future__ import annotations

import argparse
import ast
import csv
import statistics
from collections import defaultdict
from pathlib import Path

BYTES_PER_WEIGHT = 4
MIB = 2**20


def weight_mib_by_model(rows: list[dict]) -> dict[str, float]:
    total: dict[str, int] = defaultdict(int)
    for row in rows:
        if row["batch_size"] == "1" and row["layer_class"] != "Model" and row.get("params"):
            total[row["model"]] += int(row["params"])
    return {model: params * BYTES_PER_WEIGHT / MIB for model, params in total.items()}


def _side(what: str, below: bool, mib: float) -> str:
    return f"{what} {'<' if below else '>='} {mib:g} MiB"


def matvec_rates(rows: list[dict], model_mib: float, layer_mib: float) -> dict[tuple[str, str], list[float]]:
    """GB/s of weights read per batch-1 matrix-vector Dense row, by (model size, layer size)."""
    models = weight_mib_by_model(rows)
    rates: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in rows:
        if row["layer_class"] != "Dense" or row["batch_size"] != "1" or not row.get("params"):
            continue
        seconds, weights = float(row["duration_s"] or 0), int(row["params"]) * BYTES_PER_WEIGHT
        if seconds <= 0 or len(ast.literal_eval(row["input_shape"])) != 2:
            continue
        model = _side("model", models[row["model"]] < model_mib, model_mib)
        layer = _side("layer", weights < layer_mib * MIB, layer_mib)
        rates[(model, layer)].append(weights / seconds / 1e9)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, required=True, help="an in-context campaign (contract 3)")
    parser.add_argument("--model-mib", type=float, default=16.0, help="model weights threshold")
    parser.add_argument("--layer-mib", type=float, default=1.0, help="layer weights threshold")
    options = parser.parse_args()
    with options.csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    print("| model | layer | rows | median GB/s of weights read |")
    print("| --- | --- | ---: | ---: |")
    for (model, layer), rates in sorted(matvec_rates(rows, options.model_mib, options.layer_mib).items()):
        print(f"| {model} | {layer} | {len(rates)} | {statistics.median(rates):.1f} |")


if __name__ == "__main__":
    main()
