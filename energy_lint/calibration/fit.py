"""Fit the per-family predictors and the whole-model correction from measured rows.

Per family, Random Forest, XGBoost and CatBoost are cross-validated on log energy with groups
(all configurations taken from one architecture stay on one side of every split), and the one
with the lowest RMSPE is refitted on everything and exported to plain arrays. Every candidate's
error is kept for profile.json. Layers of a family with too few rows fall back to a generic
predictor fitted on the features every family shares."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..estimation.features import COMMON, row_features
from ..estimation.profile import FamilyPredictor
from ..estimation.trees import TreeEnsemble
from . import export
from .measurements import FORWARD, pass_of

MIN_FAMILY_ROWS = 12
CANDIDATES = ("random_forest", "xgboost", "catboost")


def rmspe(true_log: np.ndarray, predicted_log: np.ndarray) -> float:
    """Root mean squared percentage error of energies given on the log scale."""
    ratio = np.exp(np.asarray(predicted_log) - np.asarray(true_log)) - 1.0
    return float(math.sqrt(np.mean(ratio**2)))


def make_regressor(kind: str, seed: int = 0) -> Any:
    if kind == "random_forest":
        from sklearn.ensemble import RandomForestRegressor

        return RandomForestRegressor(n_estimators=200, min_samples_leaf=2, n_jobs=-1, random_state=seed)
    if kind == "xgboost":
        from xgboost import XGBRegressor

        return XGBRegressor(
            n_estimators=400, max_depth=6, learning_rate=0.05, subsample=0.8, colsample_bytree=0.9,
            n_jobs=-1, random_state=seed,
        )  # fmt: skip
    if kind == "catboost":
        from catboost import CatBoostRegressor

        return CatBoostRegressor(iterations=500, depth=6, learning_rate=0.08, verbose=0, random_seed=seed,
                                 allow_writing_files=False)  # fmt: skip
    raise ValueError(f"unknown regressor {kind!r}")


EXPORTERS: dict[str, Callable[[Any], TreeEnsemble]] = {
    "random_forest": export.from_sklearn_forest,
    "xgboost": export.from_xgboost,
    "catboost": export.from_catboost,
}


@dataclass
class FittedPredictor:
    family: str
    features: tuple[str, ...]
    kind: str
    ensemble: TreeEnsemble
    cv_rmspe: dict[str, float]
    interval_log: tuple[float, float]
    ranges: dict[str, tuple[float, float]]
    rows: int
    groups: int
    cv: str

    def as_family_predictor(self) -> FamilyPredictor:
        """The predictor as `check` will load it from the profile."""
        return FamilyPredictor(self.family, self.features, self.ensemble, self.interval_log, self.ranges)

    def entry(self, file: str) -> dict[str, Any]:
        return {
            "file": file,
            "predictor": self.kind,
            "features": list(self.features),
            "cv_rmspe": self.cv_rmspe,
            "cv": self.cv,
            "interval_log": list(self.interval_log),
            "ranges": {name: list(bounds) for name, bounds in self.ranges.items()},
            "rows": self.rows,
            "groups": self.groups,
        }


def _folds(groups: np.ndarray, splits: int = 5) -> tuple[list[tuple[np.ndarray, np.ndarray]], str]:
    from sklearn.model_selection import GroupKFold, KFold

    unique = np.unique(groups)
    if len(unique) >= 3:
        folds = GroupKFold(n_splits=min(splits, len(unique))).split(groups, groups=groups)
        return list(folds), f"GroupKFold by architecture ({min(splits, len(unique))} folds)"
    # One or two architectures cannot be held out from each other: say the CV is not grouped.
    folds = KFold(n_splits=min(splits, len(groups)), shuffle=True, random_state=0).split(groups)
    return list(folds), "KFold, not grouped (fewer than 3 architectures)"


def fit_predictor(
    family: str,
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    names: Sequence[str],
    candidates: Sequence[str] = CANDIDATES,
) -> FittedPredictor:
    folds, cv = _folds(groups)
    errors: dict[str, float] = {}
    out_of_fold: dict[str, np.ndarray] = {}
    for kind in candidates:
        predicted = np.empty_like(y)
        for train, test in folds:
            predicted[test] = make_regressor(kind).fit(x[train], y[train]).predict(x[test])
        errors[kind] = rmspe(y, predicted)
        out_of_fold[kind] = predicted
    best = min(errors, key=errors.__getitem__)
    residuals = y - out_of_fold[best]
    low, high = np.quantile(residuals, [0.05, 0.95])
    model = make_regressor(best).fit(x, y)
    ranges = {name: (float(x[:, i].min()), float(x[:, i].max())) for i, name in enumerate(names)}
    return FittedPredictor(
        family=family,
        features=tuple(names),
        kind=best,
        ensemble=EXPORTERS[best](model),
        cv_rmspe={k: round(v, 5) for k, v in errors.items()},
        interval_log=(float(low), float(high)),
        ranges=ranges,
        rows=len(y),
        groups=len(np.unique(groups)),
        cv=cv,
    )


@dataclass
class Dataset:
    """Layer rows as feature matrices per family; whole-model rows kept as they are."""

    by_family: dict[str, list[tuple[list[float], float, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    model_rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    overhead_j: float = 0.0


def architecture_of(row: dict[str, Any]) -> str:
    """The group of a row: the architecture its configuration was taken from."""
    source = str(row.get("source") or "")
    return source.split(":")[0] if source else str(row.get("layer_class"))


OVERHEAD_FLOOR = 0.1
"""A layer keeps at least this share of its measured energy after the call overhead is taken
off: measurements of tiny layers are noisy enough to fall below the overhead."""


def call_overhead(rows: Sequence[dict[str, Any]], mode: str = FORWARD) -> float:
    """The energy of calling a layer that does nothing (the suite's Identity cases on the
    smallest input) in `mode` (a forward pass or a training step), the median over batch
    sizes; 0 where none was measured."""
    energies = []
    for row in rows:
        if row.get("layer_class") != "Identity" or pass_of(row) != mode:
            continue
        shape = row["input_shape"]
        if isinstance(shape, list) and len(shape) == 2 and shape[1] <= 8:
            energies.append(float(row["energy_j"]))
    return float(np.median(energies)) if energies else 0.0


def collect(rows: Sequence[dict[str, Any]]) -> Dataset:
    """Feature vectors and targets per family: log of the energy above the call overhead."""
    rows = [row for row in rows if pass_of(row) == FORWARD]  # training rows: fit_training
    data = Dataset(overhead_j=call_overhead(rows))
    for row in rows:
        if row.get("layer_class") == "Model":
            data.model_rows.append(row)
            continue
        if row.get("layer_class") == "Identity":
            continue
        try:
            energy = float(row["energy_j"])
            features = row_features(row)
        except (KeyError, ValueError, TypeError, ArithmeticError):
            data.skipped += 1
            continue
        if not energy > 0:
            data.skipped += 1
            continue
        energy = max(energy - data.overhead_j, OVERHEAD_FLOOR * energy)
        data.names[features.family] = features.names
        data.by_family[features.family].append(
            (list(features.values), math.log(energy), architecture_of(row))
        )
    return data


def fit_families(
    data: Dataset, candidates: Sequence[str] = CANDIDATES
) -> tuple[dict[str, FittedPredictor], FittedPredictor]:
    """A predictor per family with enough rows, and the generic one over every layer row."""
    fitted = {}
    for family, items in sorted(data.by_family.items()):
        if len(items) < MIN_FAMILY_ROWS:
            continue
        x = np.array([values for values, _, _ in items])
        y = np.array([target for _, target, _ in items])
        groups = np.array([group for _, _, group in items])
        fitted[family] = fit_predictor(family, x, y, groups, data.names[family], candidates)
    everything = [item for items in data.by_family.values() for item in items]
    common = len(COMMON)
    x = np.array([values[:common] for values, _, _ in everything])
    y = np.array([target for _, target, _ in everything])
    groups = np.array([group for _, _, group in everything])
    generic = fit_predictor("generic", x, y, groups, COMMON, candidates)
    return fitted, generic
