"""Fit the training side of a profile from `calibrate --train` rows: per layer family, the log
of (training step energy / forward pass energy) of the same configuration at the same batch,
cross-validated by architecture like the forward predictors; then the whole-model correction of
the training step from whole models measured both ways."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..features import COMMON, row_features
from ..graph import read_model
from ..profile import HardwareProfile, TrainingPredictors
from ..training import training_layer_sum
from .fit import CANDIDATES, MIN_FAMILY_ROWS, OVERHEAD_FLOOR, FittedPredictor, architecture_of, fit_predictor
from .measurements import FORWARD, TRAIN, pass_of

MIN_PAIRS = 12
"""Below this many measured pairs no training predictor is fitted: the profile predicts
inference only, rather than a ratio guessed from a handful of layers."""


def _configuration(row: dict[str, Any]) -> str:
    return json.dumps([row["layer_class"], row["layer_config"], row["input_shape"]], sort_keys=True)


def pairs(rows: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(forward row, training row) of every configuration measured both ways."""
    forward = {_configuration(r): r for r in rows if pass_of(r) == FORWARD}
    return [
        (forward[_configuration(r)], r) for r in rows if pass_of(r) == TRAIN and _configuration(r) in forward
    ]


def _identity_median(rows: Sequence[dict[str, Any]], mode: str) -> float:
    """The fixed cost of one call of a do-nothing layer in this mode (fit.call_overhead's rule)."""
    energies = [
        float(r["energy_j"])
        for r in rows
        if r.get("layer_class") == "Identity"
        and pass_of(r) == mode
        and isinstance(r["input_shape"], list)
        and len(r["input_shape"]) == 2
        and r["input_shape"][1] <= 8
    ]
    return float(np.median(energies)) if energies else 0.0


def _above(energy: float, overhead: float) -> float:
    return max(energy - overhead, OVERHEAD_FLOOR * energy)


def ratio_dataset(
    rows: Sequence[dict[str, Any]],
) -> dict[str, list[tuple[list[float], float, str, tuple[str, ...]]]]:
    """Per family: (features, log ratio above each mode's call overhead, architecture, names)."""
    forward_overhead, train_overhead = _identity_median(rows, FORWARD), _identity_median(rows, TRAIN)
    by_family: dict[str, list[tuple[list[float], float, str, tuple[str, ...]]]] = defaultdict(list)
    for forward, train in pairs(rows):
        if forward["layer_class"] in ("Model", "Identity"):
            continue
        try:
            features = row_features(forward)
            ratio = _above(float(train["energy_j"]), train_overhead) / _above(
                float(forward["energy_j"]), forward_overhead
            )
        except (KeyError, ValueError, TypeError, ArithmeticError):
            continue
        if ratio > 0 and math.isfinite(ratio):
            by_family[features.family].append(
                (list(features.values), math.log(ratio), architecture_of(forward), features.names)
            )
    return by_family


def fit_ratios(
    rows: Sequence[dict[str, Any]], candidates: Sequence[str] = CANDIDATES
) -> tuple[dict[str, FittedPredictor], FittedPredictor] | None:
    """A ratio predictor per family with enough pairs, and a generic one over all pairs."""
    by_family = ratio_dataset(rows)
    everything = [item for items in by_family.values() for item in items]
    if len(everything) < MIN_PAIRS:
        return None
    fitted = {}
    for family, items in sorted(by_family.items()):
        if len(items) < MIN_FAMILY_ROWS:
            continue
        x = np.array([values for values, *_ in items])
        y = np.array([target for _, target, _, _ in items])
        groups = np.array([group for _, _, group, _ in items])
        fitted[family] = fit_predictor(family, x, y, groups, items[0][3], candidates)
    common = len(COMMON)
    x = np.array([values[:common] for values, *_ in everything])
    y = np.array([target for _, target, _, _ in everything])
    groups = np.array([group for _, _, group, _ in everything])
    return fitted, fit_predictor("generic", x, y, groups, COMMON, candidates)


def model_pairs(rows: Sequence[dict[str, Any]], profile: HardwareProfile) -> list[tuple[float, float, str]]:
    """(sum of layer training predictions, measured training step, architecture) per whole
    model measured in training."""
    from ..estimate import estimate

    assert profile.training is not None
    found = []
    for row in rows:
        if row.get("layer_class") != "Model" or pass_of(row) != TRAIN:
            continue
        model = Path(row["_csv_dir"]) / row["layer_config"]["model"]
        batch = int(row.get("batch_size") or row["input_shape"][0][0])
        graph = read_model(model, batch_size=batch)
        layer_sum = training_layer_sum(graph, estimate(graph, profile), profile.training)
        found.append((layer_sum, float(row["energy_j"]), model.stem))
    return found


def training_section(
    rows: Sequence[dict[str, Any]], profile: HardwareProfile, candidates: Sequence[str] = CANDIDATES
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """profile.json's "training" entry and its arrays, or None without enough training rows."""
    from .profile_writer import as_family_predictor, fit_correction

    fitted = fit_ratios(rows, candidates)
    if fitted is None:
        return None
    families, generic = fitted
    profile.training = TrainingPredictors(
        {f: as_family_predictor(p) for f, p in families.items()},
        as_family_predictor(generic),
        {"kind": "none"},
        {},
    )
    correction = fit_correction(model_pairs(rows, profile))
    optimizers = sorted({str(r.get("optimizer")) for r in rows if pass_of(r) == TRAIN and r.get("optimizer")})
    section = {
        "target": "log of (training step energy / forward pass energy) of one layer at one batch, each "
        "above its mode's call overhead; a training step is forward, backward and optimizer update",
        "optimizer": optimizers,
        "layer_pairs": generic.rows,
        "model_rows": correction.get("rows", 0),
        "families": {f: p.entry(f"train-{f}.npz") for f, p in families.items()},
        "generic": generic.entry("train-generic.npz"),
        "correction": correction,
    }
    arrays = {f"train-{f}.npz": p.ensemble for f, p in families.items()} | {
        "train-generic.npz": generic.ensemble
    }
    return section, arrays
