"""The whole-model correction each held-out family of an accuracy run was priced with, read back
from the run's predictions file: for every family, its models' (layer sum, energy-lint) pairs
are solved for overhead + factor x sum (the affine kinds) or exp(intercept) x sum^slope (the
loglinear kinds), whichever reproduces every pair. It tells, without refitting anything,
whether a constraint on a correction's parameters (an overhead bounded at zero) would have
changed a committed section.

    python benchmarks/correction_folds.py benchmarks/accuracy-cpu-xeon-2core-tf-ctx2-predictions.csv
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

import numpy as np

EXACT = 1e-6
"""Largest relative misfit of a kind that reproduces a family's pairs."""


def solve(pairs: np.ndarray) -> str:
    """The kind and parameters that map this family's layer sums onto its predictions."""
    sums, predicted = pairs[:, 0], pairs[:, 1]
    if len(pairs) < 2:
        return "one model: not determined"
    design = np.stack([np.ones_like(sums), sums], axis=1)
    (overhead, factor), *_ = np.linalg.lstsq(design, predicted, rcond=None)
    if np.max(np.abs(design @ [overhead, factor] / predicted - 1)) < EXACT:
        return f"affine, overhead {overhead * 1e3:+.2f} mJ, factor {factor:.3f}"
    logs = np.stack([np.ones_like(sums), np.log(sums)], axis=1)
    (intercept, slope), *_ = np.linalg.lstsq(logs, np.log(predicted), rcond=None)
    if np.max(np.abs(np.exp(logs @ [intercept, slope]) / predicted - 1)) < EXACT:
        return f"loglinear, slope {slope:.3f}"
    return "neither kind reproduces the pairs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("predictions", type=Path, help="an accuracy run's *-predictions.csv")
    options = parser.parse_args()
    pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    with options.predictions.open() as handle:
        for row in csv.DictReader(handle):
            pairs[row["family"]].append((float(row["layer sum"]), float(row["energy-lint"])))
    for family, values in sorted(pairs.items()):
        print(f"{family:20s} {len(values):4d} models  {solve(np.array(values))}")


if __name__ == "__main__":
    main()
