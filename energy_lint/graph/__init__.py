"""Readers: a model file -> ModelGraph, without importing Keras or TensorFlow."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import EnergyLintError, ModelReadError
from .build import GraphBuilder
from .files import RawModel, file_format, read_raw_bytes, read_raw_model
from .keras_config import ModelConfig, parse_model
from .model import LayerNode, ModelGraph
from .weights import WeightShapes, keras3_paths, read_weights

__all__ = ["LayerNode", "ModelGraph", "file_format", "read_model", "read_model_bytes"]


def read_model(
    path: Path | str, batch_size: int = 1, input_shapes: Sequence[Sequence[int]] = ()
) -> ModelGraph:
    """Read one model file. Raises ModelReadError (one line naming the file) on bad input."""
    raw = read_raw_model(Path(path))
    return _build(raw, batch_size, input_shapes, lambda: read_weights(Path(path), raw.format))


def read_model_bytes(
    name: str, data: bytes, batch_size: int = 1, input_shapes: Sequence[Sequence[int]] = ()
) -> ModelGraph:
    """Read a model file's content held in memory (a git blob); `name` stands for the file."""
    raw = read_raw_bytes(name, data)
    return _build(raw, batch_size, input_shapes, lambda: read_weights(io.BytesIO(data), raw.format))


def _build(
    raw: RawModel,
    batch_size: int,
    input_shapes: Sequence[Sequence[int]],
    weights: Callable[[], WeightShapes | None] | None = None,
) -> ModelGraph:
    try:
        model = parse_model(raw.config)
        builder = GraphBuilder(batch_size, input_shapes, _named(weights, model, raw.format))
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
    )


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
