"""ModelGraph + HardwareProfile -> Estimate: the energy of one forward pass of one batch, layer
by layer, and the whole with the profile's whole-model correction and a 90% interval.

Predictors are fitted on log energy, so each layer's interval is its prediction shifted by the
cross-validated residual quantiles of its family; the total's comes from the correction's own
cross-validated residuals on whole models."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from ..graph import LayerNode, ModelGraph
from .families import FREE, GENERIC, RELATED, after_weight_layers, family_of
from .features import AFTER_MATMUL, LayerFeatures, bytes_moved, node_features, with_model_traffic
from .fusion import FUSED, Step, layer_kind
from .profile import HardwareProfile


class Pricing(str, Enum):
    """How a layer was priced: what the trust rules and the training estimate ask of it."""

    FAMILY = "family"
    """By its own family's fitted predictor."""
    RELATED = "related"
    """By a related family's predictor (families.RELATED): the profile has none for its own."""
    GENERIC = "generic"
    """By the generic predictor: the profile has none for its family or a related one."""
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
    interval_j: tuple[float, float] = (0.0, 0.0)
    extrapolated: list[str] = field(default_factory=list)
    params: int = 0
    """The layer's params as the graph counts them (what the share left unknown weighs)."""
    reason: str | None = None
    """Why an unknown layer is unknown: no rule for its class, or an unknown layer upstream."""
    priced_by: str = ""
    """The family whose predictor priced it (its own, or a related one), or "" for the generic."""
    features: dict[str, float] = field(default_factory=dict, repr=False)
    """The feature values its predictor read (empty for a free or unknown layer): the training
    ratio predictors read the same ones."""

    @property
    def predictor(self) -> str:
        """What the reports print: the family whose predictor priced the layer, or "generic",
        "free", "unknown"."""
        if self.pricing is Pricing.FAMILY:
            return self.family
        if self.pricing is Pricing.RELATED:
            return f"{self.priced_by} (related)"
        return self.pricing.value

    @property
    def priced(self) -> bool:
        """Whether a predictor priced it (its family's, a related one's or the generic one)."""
        return self.pricing in (Pricing.FAMILY, Pricing.RELATED, Pricing.GENERIC)


@dataclass
class Estimate:
    path: str
    batch_size: int
    layers: list[LayerEstimate]
    layer_sum_j: float
    energy_j: float
    interval_j: tuple[float, float]
    correction: str


def _key(node: LayerNode) -> tuple[object, ...]:
    """Calls that are the same layer call: nodes copied from one template (the repeated blocks
    of a transformer) share their config object, so they are priced once."""
    shapes = tuple(tuple(s) if s is not None else None for s in node.input_shapes)
    return (node.type, id(node.config), shapes, node.operation, node.params, node.macs)


def price_layers(
    nodes: Sequence[LayerNode], profile: HardwareProfile, batch: int | None = None
) -> list[LayerEstimate]:
    """Each layer call's energy by its family's predictor (or the generic one); identical
    calls are priced once and their estimate copied. `batch`: the model's, for nodes whose
    first axis may be another (an ONNX graph's)."""
    layers: list[LayerEstimate] = []
    originals: list[tuple[LayerEstimate, LayerFeatures, bool]] = []
    copies: list[tuple[LayerEstimate, LayerEstimate]] = []
    seen: dict[tuple[object, ...], tuple[LayerEstimate, LayerFeatures]] = {}
    traffic = 0.0  # what one pass moves: a dense layer's weights stay in cache if it is small
    families = [family_of(node.priced_as, node.operation) for node in nodes]
    fused = fused_shares(nodes, families, profile)
    for node, family, after, share in zip(nodes, families, after_weight_layers(families), fused, strict=True):
        entry = LayerEstimate(node.name, node.type, family, Pricing.FREE, params=node.params)
        layers.append(entry)
        if family == FREE:
            continue
        if not node.known or any(s is None for s in node.input_shapes):
            entry.pricing = Pricing.UNKNOWN
            entry.reason = node.note
            continue
        key = (*_key(node), after, share)
        if key in seen:
            original, features = seen[key]
            copies.append((entry, original))
        else:
            features = node_features(node, batch)
            seen[key] = (entry, features)
            originals.append((entry, features, after, share))
        traffic += bytes_moved(features)
    pending: dict[str, list[tuple[LayerEstimate, dict[str, float]]]] = defaultdict(list)
    for entry, features, after, share in originals:
        values = with_model_traffic(features, traffic).as_dict()
        context = {AFTER_MATMUL: float(after)} | ({FUSED: share} if share is not None else {})
        entry.features = values = {**values, **context}
        entry.priced_by, entry.pricing = predictor_family(entry.family, profile)
        pending[entry.priced_by or GENERIC].append((entry, values))
    for key_, items in pending.items():
        predictor = profile.families.get(key_) or profile.generic
        if predictor is None:
            for entry, _ in items:
                entry.pricing = Pricing.UNKNOWN
            continue
        logs = predictor.predict_log([values for _, values in items])
        low, high = predictor.interval_log
        for (entry, values), log_energy in zip(items, logs, strict=True):
            entry.energy_j = math.exp(log_energy)
            entry.interval_j = (math.exp(log_energy + low), math.exp(log_energy + high))
            entry.extrapolated = predictor.outside_ranges(values)
    for entry, original in copies:
        entry.pricing = original.pricing
        entry.priced_by = original.priced_by
        entry.features = original.features
        entry.energy_j = original.energy_j
        entry.interval_j = original.interval_j
        entry.extrapolated = original.extrapolated
    return layers


def fused_shares(
    nodes: Sequence[LayerNode], families: Sequence[str], profile: HardwareProfile
) -> list[float | None]:
    """Each node's fused share by the profile's fusion table, walking the layers that run in
    order (estimation/fusion.py); None for a free layer and for every layer of a profile without
    a table (its families' own shares apply)."""
    if profile.fusion is None:
        return [None] * len(nodes)
    running = [i for i, family in enumerate(families) if family != FREE]
    steps = [step_of(nodes[i], families[i]) for i in running]
    shares: list[float | None] = [None] * len(nodes)
    for index, share in zip(running, profile.fusion.predict(steps), strict=True):
        shares[index] = share
    return shares


def step_of(node: LayerNode, family: str) -> Step:
    """What fusion reads of a node: its kind, family and the rank of its first input."""
    first = node.input_shapes[0] if node.input_shapes else None
    return Step(layer_kind(node.priced_as, node.config, len(node.input_shapes)), family, len(first or ()))


def predictor_family(family: str, profile: HardwareProfile) -> tuple[str, Pricing]:
    """The profile's predictor that prices a layer of `family` ("" for the generic one)."""
    if family in profile.families:
        return family, Pricing.FAMILY
    related = RELATED.get(family)
    if related in profile.families:
        return related, Pricing.RELATED
    return "", Pricing.GENERIC


def estimate(graph: ModelGraph, profile: HardwareProfile) -> Estimate:
    layers = price_layers(graph.layers, profile, graph.batch_size if graph.format == "onnx" else None)
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
