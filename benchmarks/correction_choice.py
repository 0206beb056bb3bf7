"""What the rule that chooses the whole-model correction costs in accuracy, replayed on an
accuracy run's held-out layer sums (benchmarks/accuracy-*-predictions.csv, column "layer sum").

For each family, every correction kind is scored on the other families one family out, the
kind the rule picks is fitted on them and predicts the family's models: RMSPE and median error
over all models, for the choice by RMSPE, by mean absolute log error, and by mean absolute log
error with none kept unless another kind beats it by correction_fit.MARGIN (what calibrate uses).
The layer sums are those of predictors that did not see the family, not the out-of-fold sums of
the training families calibrate fits on, so this approximates the choice, it does not rerun it.

    PYTHONPATH=. .venv-test/bin/python benchmarks/correction_choice.py \\
        benchmarks/accuracy-cpu-xeon-2core-tf-ctx2-predictions.csv
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from energy_lint.calibration.correction_fit import choose
from energy_lint.estimation.correction import KINDS, TINY_J

Score = Callable[[np.ndarray, np.ndarray], float]


def rmspe(predicted: np.ndarray, measured: np.ndarray) -> float:
    return float(np.sqrt(np.mean((predicted / measured - 1) ** 2)))


def mean_abs_log(predicted: np.ndarray, measured: np.ndarray) -> float:
    return float(np.mean(np.abs(np.log(predicted / measured))))


RULES: dict[str, tuple[Score, Callable[[dict[str, float]], str]]] = {
    "RMSPE": (rmspe, lambda scores: min(scores, key=scores.__getitem__)),
    "mean absolute log error": (mean_abs_log, lambda scores: min(scores, key=scores.__getitem__)),
    "mean absolute log error, none within the margin (calibrate)": (mean_abs_log, choose),
}


def predict(
    kind: str, sums: np.ndarray, measured: np.ndarray, train: np.ndarray, test: np.ndarray
) -> np.ndarray:
    fitted = KINDS[kind]().fit(sums[train], measured[train])
    return np.maximum(fitted.predict(sums[test]), TINY_J)


def one_family_out(kind: str, sums: np.ndarray, measured: np.ndarray, families: np.ndarray) -> np.ndarray:
    predicted = np.empty(len(sums))
    for family in np.unique(families):
        held = families == family
        predicted[held] = predict(kind, sums, measured, ~held, held)
    return predicted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("predictions", type=Path)
    options = parser.parse_args()
    with options.predictions.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    sums = np.array([float(r["layer sum"]) for r in rows])
    measured = np.array([float(r["measured_j"]) for r in rows])
    families = np.array([r["family"] for r in rows])
    for rule, (score, pick) in RULES.items():
        predicted, chosen = np.empty(len(rows)), set()
        for family in np.unique(families):
            train, test = families != family, families == family
            held = (sums[train], measured[train], families[train])
            scores = {kind: score(one_family_out(kind, *held), measured[train]) for kind in KINDS}
            best = pick(scores)
            chosen.add(best)
            predicted[test] = predict(best, sums, measured, train, test)
        median = np.median(np.abs(predicted / measured - 1))
        print(f"chosen by {rule}: RMSPE {rmspe(predicted, measured):.1%}, median |error| {median:.1%}, "
              f"kinds chosen {sorted(chosen)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
