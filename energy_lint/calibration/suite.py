"""What calibration measures: single-layer configurations taken from real architectures (as the
reader sees them), a space-filling sample around them, and whole reference models.

Cases are ordered round-robin over the families, with a whole model every few cases, so that a
short budget still covers every family and some whole models; the rest only adds density."""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..estimation.families import FREE, GENERIC, family_of
from ..graph import ModelGraph, read_model
from ..graph.layers import spec_for
from ..graph.layers.base import Config, LayerCall, LayerConfigError

SUITE_VERSION = 1
OVERHEAD = "overhead"
_NOISE_SUFFIXES = ("_initializer", "_regularizer", "_constraint")
_NOISE_KEYS = {"name", "trainable", "dtype", "seed", "quantization_config", "lora_rank", "lora_alpha"}
# Classes keras.layers can build on their own (keras.applications' own layers cannot).
_NOT_BUILDABLE = {
    "LayerScale",
    "CustomScaleLayer",
    "Custom>CustomScaleLayer",
    "TFOpLambda",
    "StochasticDepth",
}


def clean_config(config: dict[str, Any]) -> dict[str, Any]:
    """The config keys that shape the computation: no names, initializers or regularizers."""
    return {
        key: value
        for key, value in config.items()
        if key not in _NOISE_KEYS and not key.endswith(_NOISE_SUFFIXES)
    }


def _key(*parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class LayerCase:
    layer_class: str
    layer_config: dict[str, Any]
    input_shapes: list[list[int]]
    family: str
    source: str

    @property
    def batch_size(self) -> int:
        return self.input_shapes[0][0]

    @property
    def key(self) -> str:
        return _key(self.layer_class, self.layer_config, self.input_shapes)

    def macs(self) -> int:
        """MACs of one pass of the whole batch, by the reader's own spec (raises if invalid)."""
        spec = spec_for(self.layer_class)
        shapes = tuple(tuple(s) for s in self.input_shapes)
        call = LayerCall(self.layer_class, Config(self.layer_config), shapes)
        return spec(call).macs * self.batch_size


@dataclass(frozen=True)
class ModelCase:
    model: str
    batch_size: int
    family: str = "model"

    @property
    def key(self) -> str:
        return _key("Model", self.model, self.batch_size)


def train_key(case: LayerCase | ModelCase) -> str:
    """The key of a case's training-step twin (the forward pass keeps its key unchanged)."""
    return _key("train", case.key)


@dataclass
class Suite:
    layers: list[LayerCase] = field(default_factory=list)
    models: list[ModelCase] = field(default_factory=list)
    models_every: int = 20

    def ordered(self) -> list[LayerCase | ModelCase]:
        """Layers round-robin over families (suite order within one), a model every few."""
        by_family: dict[str, list[LayerCase]] = defaultdict(list)
        for case in self.layers:
            by_family[case.family].append(case)
        queues = [list(cases) for _, cases in sorted(by_family.items())]
        layers: list[LayerCase] = []
        while any(queues):
            for queue in queues:
                if queue:
                    layers.append(queue.pop(0))
        ordered: list[LayerCase | ModelCase] = []
        models = list(self.models)
        for index, case in enumerate(layers):
            if models and index % self.models_every == 0:
                ordered.append(models.pop(0))
            ordered.append(case)
        return ordered + models

    def save(self, path: Path) -> None:
        document = {
            "version": SUITE_VERSION,
            "models_every": self.models_every,
            "models": [asdict(m) for m in self.models],
            "layers": [asdict(c) for c in self.layers],
        }
        path.write_text(json.dumps(document, indent=0) + "\n")

    @classmethod
    def load(cls, path: Path) -> Suite:
        document = json.loads(path.read_text())
        if document.get("version") != SUITE_VERSION:
            raise ValueError(f"{path}: suite version {document.get('version')!r}, expected {SUITE_VERSION}")
        return cls(
            layers=[LayerCase(**c) for c in document["layers"]],
            models=[ModelCase(**m) for m in document["models"]],
            models_every=document.get("models_every", 20),
        )


def layer_cases(graph: ModelGraph, source: str) -> Iterable[LayerCase]:
    """Every measurable layer call of a model, at the model's batch size."""
    for node in graph.layers:
        family = family_of(node.type, node.operation)
        if family in (FREE, GENERIC) or node.operation or node.type in _NOT_BUILDABLE:
            continue
        if not node.known or any(s is None for s in node.input_shapes):
            continue
        yield LayerCase(
            layer_class=node.type,
            layer_config=clean_config(node.config),
            input_shapes=[list(s) for s in node.input_shapes],  # type: ignore[arg-type]
            family=family,
            source=f"{source}:{node.name}",
        )


def with_batch(case: LayerCase, batch: int) -> LayerCase:
    return replace(case, input_shapes=[[batch, *s[1:]] for s in case.input_shapes])


def variant(case: LayerCase, rng: random.Random) -> LayerCase | None:
    """A space-filling neighbour: spatial size and channel counts scaled by log-uniform factors
    in [1/2, 2], kept only where the reader's own spec accepts the result."""
    spatial = math.exp(rng.uniform(math.log(0.5), math.log(2)))
    channels = math.exp(rng.uniform(math.log(0.5), math.log(2)))
    shapes = []
    for shape in case.input_shapes:
        middle = [max(1, round(d * spatial)) for d in shape[1:-1]]
        shapes.append([shape[0], *middle, max(1, round(shape[-1] * channels))])
    config = dict(case.layer_config)
    for key in ("filters", "units"):
        if isinstance(config.get(key), int):
            config[key] = max(1, round(config[key] * channels))
    groups = config.get("groups")
    if isinstance(groups, int) and groups > 1:
        return None  # grouped convolutions keep their real channel counts
    candidate = replace(case, layer_config=config, input_shapes=shapes, source=case.source + "~")
    try:
        candidate.macs()
    except (LayerConfigError, ValueError, TypeError, KeyError):
        return None
    return candidate


def densify(
    cases: Sequence[LayerCase],
    minimum: int,
    batch_sizes: Sequence[int],
    max_batch_macs: float,
    rng: random.Random,
    seen: set[str],
) -> list[LayerCase]:
    """Neighbours for the families that real architectures seldom use (attention, recurrent,
    embedding, transposed convolution have a handful of configurations in keras.applications
    and the reference models), until each has `minimum` cases: without them a family stays
    below the rows a predictor needs and falls to the generic one. Drawn after the rest, so
    the other cases stay as they were."""
    by_family: dict[str, list[LayerCase]] = defaultdict(list)
    for case in cases:
        by_family[case.family].append(case)
    added: list[LayerCase] = []
    for _, seeds in sorted(by_family.items()):
        needed = minimum - len(seeds)
        attempts = 0
        while needed > 0 and attempts < 50 * minimum:
            attempts += 1
            seed_case = with_batch(rng.choice(seeds), rng.choice(list(batch_sizes)))
            candidate = variant(seed_case, rng)
            if candidate is None or candidate.key in seen or candidate.macs() > max_batch_macs:
                continue
            seen.add(candidate.key)
            added.append(candidate)
            needed -= 1
    return added


def build_suite(
    model_paths: Sequence[Path],
    batch_sizes: Sequence[int] = (1, 8, 32),
    model_batch_sizes: Sequence[int] = (1, 8),
    variants_per_case: int = 1,
    max_batch_macs: float = 2e10,
    seed: int = 0,
    relative_to: Path | None = None,
    interleave_model_batches: bool = False,
    family_minimum: int = 0,
) -> Suite:
    """A suite from reference models: their unique layer configurations at random batch sizes,
    their neighbours, and the models themselves at each of `model_batch_sizes`. Interleaved,
    the first round of models already spans every batch size (model i at batch i mod n), so a
    budget that stops early still has each architecture at a different batch."""
    rng = random.Random(seed)
    seen: set[str] = set()
    cases: list[LayerCase] = []
    for path in model_paths:
        graph = read_model(path)
        for case in layer_cases(graph, path.stem):
            real = with_batch(case, rng.choice(list(batch_sizes)))
            for candidate in [real] + [variant(real, rng) for _ in range(variants_per_case)]:
                if candidate is None or candidate.key in seen:
                    continue
                if candidate.macs() > max_batch_macs:
                    continue
                seen.add(candidate.key)
                cases.append(candidate)
    rng.shuffle(cases)
    if family_minimum:
        cases += densify(cases, family_minimum, batch_sizes, max_batch_macs, random.Random(seed + 1), seen)
    # The fixed cost of one call (framework dispatch, idle draw over its time), measured on a
    # layer that does nothing; fitting subtracts it from every layer so that the sum of layers
    # does not count it once per layer. Appended last: the sample above stays as it was.
    cases += [
        LayerCase("Identity", {}, [[batch, *shape]], OVERHEAD, "overhead")
        for batch in batch_sizes
        for shape in ([8], [56, 56, 64], [512, 256])
    ]
    names = [os.path.relpath(p, relative_to) if relative_to else str(p) for p in model_paths]
    batches = list(model_batch_sizes)
    if interleave_model_batches:
        models = [
            ModelCase(name, batches[(index + shift) % len(batches)])
            for shift in range(len(batches))
            for index, name in enumerate(names)
        ]
    else:
        models = [ModelCase(name, batch) for batch in batches for name in names]
    return Suite(layers=cases, models=models)
