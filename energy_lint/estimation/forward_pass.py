"""ModelGraph + HardwareProfile -> Estimate: the energy of one forward pass of one batch, layer
by layer, and the whole with the profile's whole-model correction and a 90% interval.

Predictors are fitted on log energy, so each layer's interval is its prediction shifted by the
cross-validated residual quantiles of its family; the total's comes from the correction's own
cross-validated residuals on whole models."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from ..graph import ModelGraph
from .families import FREE, GENERIC, family_of
from .features import node_features
from .profile import FamilyPredictor, HardwareProfile


class Pricing(str, Enum):
    """How a layer was priced: what the trust rules and the training estimate ask of it."""

    FAMILY = "family"
    """By its own family's fitted predictor."""
    GENERIC = "generic"
    """By the generic predictor: the profile has none for its family."""
    FREE = "free"
    """Not at all: an inference no-op (Dropout, InputLayer) costs nothing."""
    UNKNOWN = "unknown"
    """Not estimated: a layer the reader does not know, or whose input shape is unknown."""


@dataclass
class LayerEstimate:
    name: str
    type: str
    family: str
    pricing: Pricing
    energy_j: float = 0.0
    energy_j: float = 0.0
    interval_j: tuple[float, float] = (0.0, 0.0)
    extrapolated: list[str] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict, repr=False)
    """The feature values its predictor read (empty for a free or unknown layer): the training
    ratio predictors read the same ones."""

    @property
    def predictor(self) -> str:
        """What the reports print: the family whose predictor priced the layer, or "generic",
        "free", "unknown"."""
        return self.family if self.pricing is Pricing.FAMILY else self.pricing.value

    @property
    def priced(self) -> bool:
        """Whether a predictor priced it (its family's or the generic one)."""
        return self.pricing in (Pricing.FAMILY, Pricing.GENERIC)


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


def estimate(graph: ModelGraph, profile: HardwareProfile) -> Estimate:
    layers: list[LayerEstimate] = []
    pending: dict[str, list[tuple[LayerEstimate, dict[str, float]]]] = defaultdict(list)
    for node in graph.layers:
        family = family_of(node.priced_as, node.operation)
        entry = LayerEstimate(node.name, node.type, family, Pricing.FREE)
        layers.append(entry)
        if family == FREE:
            continue
        if not node.known or any(s is None for s in node.input_shapes):
            entry.pricing = Pricing.UNKNOWN
            continue
        values = node_features(node).as_dict()
        entry.features = values
        entry.pricing = Pricing.FAMILY if family in profile.families else Pricing.GENERIC
        pending[family if entry.pricing is Pricing.FAMILY else GENERIC].append((entry, values))
    for key, items in pending.items():
        predictor = profile.families.get(key) or profile.generic
        if predictor is None:
            for entry, _ in items:
                entry.pricing = Pricing.UNKNOWN
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
    total = correction.predict_one(layer_sum)
    return Estimate(
        path=graph.path,
        batch_size=graph.batch_size,
        layers=layers,
        layer_sum_j=layer_sum,
        energy_j=total,
        interval_j=correction.interval(total),
        correction=correction.kind,
    )
