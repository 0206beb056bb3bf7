"""Keras model files (.keras, .h5, .json) -> ModelGraph: the layer graph from the saved config, a
KerasHub backbone or a Hugging Face config.json through the architecture registry. Imported only
when such a file is read, so that a check of .onnx files never loads it."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import EnergyLintError, ModelReadError
from .architectures import (
    DEFAULT_SEQUENCE_LENGTH,
    ArchitectureError,
    describe,
    is_hugging_face_config,
    is_keras_hub_backbone,
    transformer_graph,
)
from .build import GraphBuilder
from .files import RawModel, read_raw_bytes, read_raw_model
from .keras_config import ModelConfig, parse_model
from .layers.base import Shape
from .model import ModelGraph
from .weights import WeightShapes, keras3_paths, read_weights

PROBES = (1 << 15, 1 << 16, 3 << 15)
"""Sizes a free input dimension is read at: large enough that cropping and valid convolutions
leave something (SpliceAI crops 10,000 positions), multiples of 2**15 so that strides divide
them, three to tell MACs that grow linearly from those that do not."""


def read_keras_file(
    path: Path, batch_size: int, input_shapes: Sequence[Sequence[int]], free_dims: bool
) -> ModelGraph:
    """See graph.read_model."""
    raw = read_raw_model(path)
    weights = lambda: read_weights(path, raw.format)  # noqa: E731
    if not free_dims:
        return _build(raw, batch_size, input_shapes, weights)
    first = _build(raw, batch_size, input_shapes, weights, PROBES[0])
    if not first.free_dims:
        return first
    others = [_build(raw, batch_size, input_shapes, weights, probe) for probe in PROBES[1:]]
    return _merge_probes(first, others)


def read_keras_bytes(
    name: str, data: bytes, batch_size: int, input_shapes: Sequence[Sequence[int]]
) -> ModelGraph:
    """See graph.read_model_bytes."""
    raw = read_raw_bytes(name, data)
    return _build(raw, batch_size, input_shapes, lambda: read_weights(io.BytesIO(data), raw.format))


def _merge_probes(first: ModelGraph, others: list[ModelGraph]) -> ModelGraph:
    """One graph from the same model read at each probe size: a dimension that differs is free
    (None); MACs a*size + b where the three readings agree on a line and one dimension is free."""
    graphs = [first, *others]
    if any(len(g.layers) != len(first.layers) for g in others):
        raise ModelReadError(
            first.path, "the model's layers depend on its free input size: pass --input-shape"
        )

    def merged(shapes: list[list[Shape | None]]) -> list[Shape | None]:
        out: list[Shape | None] = []
        for group in zip(*shapes):
            if any(s is None or len(s) != len(group[0]) for s in group):  # type: ignore[arg-type]
                out.append(None)
            else:
                out.append(
                    tuple(d if all(s[i] == d for s in group) else None for i, d in enumerate(group[0]))
                )  # type: ignore[index]
        return out

    linear = len(first.free_dims) == 1
    for index, layer in enumerate(first.layers):
        same = [g.layers[index] for g in graphs]
        layer.output_shapes = merged([n.output_shapes for n in same])
        layer.input_shapes = merged([n.input_shapes for n in same])
        m1, m2, m3 = (n.macs for n in same)
        p1, p2, p3 = PROBES
        slope, rest = divmod(m2 - m1, p2 - p1)
        if linear and not rest and m3 == m1 + slope * (p3 - p1):
            layer.macs_per_unit, layer.macs_offset = slope, m1 - slope * p1
        layer.macs = 0
    first.input_shapes = merged([g.input_shapes for g in graphs])
    first.output_shapes = merged([g.output_shapes for g in graphs])
    return first


def _build(
    raw: RawModel,
    batch_size: int,
    input_shapes: Sequence[Sequence[int]],
    weights: Callable[[], WeightShapes | None] | None = None,
    probe: int | None = None,
) -> ModelGraph:
    if is_keras_hub_backbone(raw.config) or is_hugging_face_config(raw.config):
        return _build_architecture(raw, batch_size)
    try:
        model = parse_model(raw.config)
        builder = GraphBuilder(batch_size, input_shapes, _named(weights, model, raw.format), probe)
        inputs, outputs = builder.build(model)
    except ModelReadError:
        raise
    except EnergyLintError as error:
        raise ModelReadError(raw.path, str(error)) from None
    except RecursionError:
        raise ModelReadError(raw.path, "model config is nested too deeply") from None
    return ModelGraph(
        path=raw.path,
        format=raw.format,
        name=model.name,
        batch_size=batch_size,
        layers=builder.nodes,
        input_shapes=[t.shape for t in inputs],
        output_shapes=[t.shape for t in outputs],
        keras_version=raw.keras_version,
        free_dims=builder.free_dims,
    )


def _build_architecture(raw: RawModel, batch_size: int) -> ModelGraph:
    """A KerasHub backbone or a Hugging Face config.json: built from its configuration by the
    architecture registry, at the default sequence length (the engine resizes it)."""
    try:
        spec = describe(raw.config)
        name = raw.config.get("config", {}).get("name") if "class_name" in raw.config else None
        return transformer_graph(
            spec, raw.path, raw.format, name or spec.architecture, batch_size, DEFAULT_SEQUENCE_LENGTH
        )
    except (ArchitectureError, EnergyLintError, ValueError) as error:
        raise ModelReadError(raw.path, str(error)) from None
    except RecursionError:
        raise ModelReadError(raw.path, "model config is nested too deeply") from None


def _layer_tree(model: ModelConfig) -> list[tuple[str, str, list | None]]:
    return [
        (entry.name, entry.class_name, None if entry.model is None else _layer_tree(entry.model))
        for entry in model.layers
    ]


def _named(
    weights: Callable[[], WeightShapes | None] | None, model: ModelConfig, file_format: str
) -> Callable[[], WeightShapes | None] | None:
    """The weights reader, with a .keras archive's paths mapped to layer names."""
    if weights is None or file_format != "keras":
        return weights

    def read() -> WeightShapes | None:
        found = weights()
        if found is not None:
            found.aliases = keras3_paths(_layer_tree(model))
        return found

    return read
