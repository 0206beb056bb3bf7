"""Fit the training side of a profile from `calibrate --train` rows: per layer family, the log
of (training step energy / forward pass energy) of the same configuration at the same batch,
cross-validated by architecture like the forward predictors; then the whole-model correction of
the training step from whole models measured both ways."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from ..estimation.correction import Correction
from ..estimation.features import row_features
from ..estimation.forward_pass import estimate
from ..estimation.profile import HardwareProfile, TrainingPredictors
from ..estimation.training_estimate import training_layer_sum
from . import model_traffic
from .correction_fit import fit_correction
from .fit import (
    CANDIDATES,
    OVERHEAD_FLOOR,
    Dataset,
    FittedPredictor,
    architecture_of,
    call_overhead,
    context_of,
    fit_families,
)
from .measurements import FORWARD, IN_MODEL, TRAIN, pass_of

MIN_PAIRS = 12
"""Below this many measured pairs no training predictor is fitted: the profile predicts
inference only, rather than a ratio guessed from a handful of layers."""


def _configuration(row: dict[str, Any]) -> str:
    """What a forward row and a training row share: the layer configuration measured alone, or,
    in context, the same layer (its source, "model.json:name") at the same batch."""
    if context_of(row) == IN_MODEL:
        return json.dumps([IN_MODEL, row.get("source"), row.get("batch_size")])
    return json.dumps([row["layer_class"], row["layer_config"], row["input_shape"]], sort_keys=True)


def pairs(
    rows: Sequence[dict[str, Any]], context: str | None = None
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(forward row, training row) of every configuration measured both ways; `context` keeps
    only layer rows measured that way ("alone", "in-model")."""
    rows = [r for r in rows if context is None or context_of(r) == context]
    forward = {_configuration(r): r for r in rows if pass_of(r) == FORWARD}
    return [
        (forward[_configuration(r)], r) for r in rows if pass_of(r) == TRAIN and _configuration(r) in forward
    ]


def _above(energy: float, overhead: float) -> float:
    return max(energy - overhead, OVERHEAD_FLOOR * energy)


def ratio_dataset(rows: Sequence[dict[str, Any]], context: str | None = None) -> Dataset:
    """Per family, the pairs as fit.collect gives forward rows: (features, target, architecture),
    the target being the log of the step/forward ratio, each above its mode's call overhead."""
    model_traffic.annotate([row for row in rows if pass_of(row) == FORWARD])
    forward_overhead, train_overhead = call_overhead(rows, FORWARD), call_overhead(rows, TRAIN)
    data = Dataset(overhead_j=forward_overhead)
    for forward, train in pairs(rows, context):
        if forward["layer_class"] in ("Model", "Identity"):
            continue
        try:
            features = row_features(forward)
            ratio = _above(float(train["energy_j"]), train_overhead) / _above(
                float(forward["energy_j"]), forward_overhead
            )
        except (KeyError, ValueError, TypeError, ArithmeticError):
            data.skipped += 1
            continue
        if ratio > 0 and math.isfinite(ratio):
            data.names[features.family] = features.names
            data.by_family[features.family].append(
                (list(features.values), math.log(ratio), architecture_of(forward))
            )
    return data


def fit_ratios(
    rows: Sequence[dict[str, Any]], candidates: Sequence[str] = CANDIDATES, context: str | None = None
) -> tuple[dict[str, FittedPredictor], FittedPredictor] | None:
    """A ratio predictor per family with enough pairs, and a generic one over all pairs, fitted
    exactly as the forward predictors are (fit.fit_families); None below MIN_PAIRS pairs."""
    data = ratio_dataset(rows, context)
    if sum(len(items) for items in data.by_family.values()) < MIN_PAIRS:
        return None
    return fit_families(data, candidates)


def update_cost(rows: Sequence[dict[str, Any]], context: str | None = None) -> float:
    """Joules per parameter of what a training step spends on no layer, mostly the optimizer's
    update, which touches every parameter and runs under no layer's scope: the Theil-Sen slope
    of (whole step - its layer rows) against parameters over the models timed in context (a
    median of pairwise slopes: a model whose step hides other unattributed work, a grouped
    convolution's backward, cannot drag it). 0 without in-context training rows: a layer
    measured alone carries its own share."""
    if context == "alone":
        return 0.0
    from scipy.stats import theilslopes

    from .whole_models import read_whole_models

    layer_sums: dict[tuple[str, str], float] = {}
    for row in rows:
        if pass_of(row) == TRAIN and context_of(row) == IN_MODEL and row.get("layer_class") != "Model":
            key = (str(row.get("model")), str(row.get("batch_size")))
            layer_sums[key] = layer_sums.get(key, 0.0) + float(row.get("energy_j") or 0.0)
    wholes = [r for r in rows if pass_of(r) == TRAIN and r.get("layer_class") == "Model"]
    models, _ = read_whole_models(wholes)
    points = [
        (float(m.graph.params), m.measured_j - layer_sums[(m.model, str(m.batch))])
        for m in models
        if (m.model, str(m.batch)) in layer_sums
    ]
    if len({params for params, _ in points}) < 3:
        return 0.0
    slope = theilslopes([y for _, y in points], [x for x, _ in points])[0]
    return max(float(slope), 0.0) if math.isfinite(slope) else 0.0


def model_pairs(rows: Sequence[dict[str, Any]], profile: HardwareProfile) -> list[tuple[float, float, str]]:
    """(sum of layer training predictions, measured training step, architecture family) per
    whole model measured in training."""
    assert profile.training is not None
    from .whole_models import read_whole_models

    trained = [row for row in rows if row.get("layer_class") == "Model" and pass_of(row) == TRAIN]
    models, _ = read_whole_models(trained)
    return [
        (
            training_layer_sum(estimate(m.graph, profile), profile.training, m.graph.params),
            m.measured_j,
            m.family,
        )
        for m in models
    ]


def training_section(
    rows: Sequence[dict[str, Any]],
    profile: HardwareProfile,
    candidates: Sequence[str] = CANDIDATES,
    context: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """profile.json's "training" entry and its arrays, or None without enough training rows."""
    fitted = fit_ratios(rows, candidates, context)
    if fitted is None:
        return None
    families, generic = fitted
    update = update_cost(rows, context)
    profile.training = TrainingPredictors(
        {f: p.as_family_predictor() for f, p in families.items()},
        generic.as_family_predictor(),
        Correction(),
        {},
        update,
    )
    correction = fit_correction(model_pairs(rows, profile))
    optimizers = sorted({str(r.get("optimizer")) for r in rows if pass_of(r) == TRAIN and r.get("optimizer")})
    section = {
        "target": "log of (training step energy / forward pass energy) of one layer at one batch, each "
        "above its mode's call overhead; a training step is forward, backward and optimizer update",
        "optimizer": optimizers,
        "update_j_per_param": update,
        "layer_pairs": generic.rows,
        "model_rows": correction.info.get("rows", 0),
        "families": {f: p.entry(f"train-{f}.npz") for f, p in families.items()},
        "generic": generic.entry("train-generic.npz"),
        "correction": correction.to_dict(),
    }
    arrays = {f"train-{f}.npz": p.ensemble for f, p in families.items()} | {
        "train-generic.npz": generic.ensemble
    }
    return section, arrays
