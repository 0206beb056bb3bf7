"""Readers: a model file -> ModelGraph, without importing Keras or TensorFlow."""

from __future__ import annotations

from collections.abc import Sequence
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
from .files import RawModel, file_format, read_raw_bytes, read_raw_model
from .keras_config import parse_model
from .model import LayerNode, ModelGraph

__all__ = ["LayerNode", "ModelGraph", "file_format", "read_model", "read_model_bytes"]


def read_model(
    path: Path | str, batch_size: int = 1, input_shapes: Sequence[Sequence[int]] = ()
) -> ModelGraph:
    """Read one model file. Raises ModelReadError (one line naming the file) on bad input."""
    return _build(read_raw_model(Path(path)), batch_size, input_shapes)


def read_model_bytes(
    name: str, data: bytes, batch_size: int = 1, input_shapes: Sequence[Sequence[int]] = ()
) -> ModelGraph:
    """Read a model file's content held in memory (a git blob); `name` stands for the file."""
    return _build(read_raw_bytes(name, data), batch_size, input_shapes)


def _build(raw: RawModel, batch_size: int, input_shapes: Sequence[Sequence[int]]) -> ModelGraph:
    if is_keras_hub_backbone(raw.config) or is_hugging_face_config(raw.config):
        return _build_architecture(raw, batch_size)
    try:
        model = parse_model(raw.config)
        builder = GraphBuilder(batch_size, input_shapes)
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
