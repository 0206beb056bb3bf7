"""ModelGraph + HardwareProfile -> Estimate: the energy of one forward pass of one batch, layer
by layer, and the whole with the profile's whole-model correction and a 90% interval.

Predictors are fitted on log energy, so each layer's interval is its prediction shifted by the
cross-validated residual quantiles of its family; the total's comes from the correction's own
cross-validated residuals on whole models."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from .families import FREE, family_of
from .features import node_features
from .graph import ModelGraph
from .profile import FamilyPredictor, HardwareProfile


@dataclass
class LayerEstimate:
    name: str
    type: str
    family: str
    predictor: str
    """The family whose predictor priced the layer, "generic", "free" (an inference no-op) or
    "unknown" (a layer the reader does not know: not estimated)."""
    energy_j: float = 0.0
    interval_j: tuple[float, float] = (0.0, 0.0)
    extrapolated: list[str] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict, repr=False)
    """The feature values its predictor read (empty for a free or unknown layer): the training
    ratio predictors read the same ones."""


@dataclass
class Estimate:
    path: str
    batch_size: int
    layers: list[LayerEstimate]
    layer_sum_j: float
    energy_j: float
    interval_j: tuple[float, float]
    correction: str


def _vector(predictor: FamilyPredictor, values: dict[str, float]) -> list[float]:
    return [values[name] for name in predictor.features]


def apply_correction(layer_sum_j: float, correction: dict) -> float:
    """The whole-model energy from the sum of layer predictions (contract 4's correction)."""
    kind = correction.get("kind", "none")
    if kind == "affine":
        return float(correction["overhead_j"]) + float(correction["factor"]) * layer_sum_j
    if kind == "loglinear":
        return math.exp(float(correction["intercept"])) * max(layer_sum_j, 1e-12) ** float(
            correction["slope"]
        )
    return layer_sum_j


def estimate(graph: ModelGraph, profile: HardwareProfile) -> Estimate:
    layers: list[LayerEstimate] = []
    pending: dict[str, list[tuple[LayerEstimate, dict[str, float]]]] = defaultdict(list)
    for node in graph.layers:
        family = family_of(node.type, node.operation)
        entry = LayerEstimate(node.name, node.type, family, predictor="free")
        layers.append(entry)
        if family == FREE:
            continue
        if not node.known or any(s is None for s in node.input_shapes):
            entry.predictor = "unknown"
            continue
        values = node_features(node).as_dict()
        entry.features = values
        key = family if family in profile.families else "generic"
        entry.predictor = key
        pending[key].append((entry, values))
    for key, items in pending.items():
        predictor = profile.families.get(key) or profile.generic
        if predictor is None:
            for entry, _ in items:
                entry.predictor = "unknown"
            continue
        matrix = np.array([_vector(predictor, values) for _, values in items], dtype=np.float64)
        logs = predictor.ensemble.predict(matrix)
        low, high = predictor.interval_log
        for (entry, values), log_energy in zip(items, logs, strict=True):
            entry.energy_j = math.exp(log_energy)
            entry.interval_j = (math.exp(log_energy + low), math.exp(log_energy + high))
            entry.extrapolated = predictor.outside_ranges(values)
    layer_sum = sum(entry.energy_j for entry in layers)
    correction = profile.correction
    total = apply_correction(layer_sum, correction)
    low, high = correction.get("interval_log", [0.0, 0.0])
    return Estimate(
        path=graph.path,
        batch_size=graph.batch_size,
        layers=layers,
        layer_sum_j=layer_sum,
        energy_j=total,
        interval_j=(total * math.exp(low), total * math.exp(high)),
        correction=correction.get("kind", "none"),
    )
