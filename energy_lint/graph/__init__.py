"""Readers: a model file -> ModelGraph, without importing Keras or TensorFlow."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import EnergyLintError, ModelReadError
from .build import GraphBuilder
from .files import RawModel, file_format, read_raw_bytes, read_raw_model
from .keras_config import parse_model
from .model import LayerNode, ModelGraph

__all__ = ["LayerNode", "ModelGraph", "file_format", "read_model", "read_model_bytes"]


def read_model(
    path: Path | str, batch_size: int = 1, input_shapes: Sequence[Sequence[int]] = ()
) -> ModelGraph:
    """Read one model file. Raises ModelReadError (one line naming the file) on bad input."""
    if file_format(Path(path)) == "onnx":
        from .onnx import read_onnx_file  # the onnx package loads only for an .onnx file

        return read_onnx_file(Path(path), batch_size, input_shapes)
    return _build(read_raw_model(Path(path)), batch_size, input_shapes)


def read_model_bytes(
    name: str, data: bytes, batch_size: int = 1, input_shapes: Sequence[Sequence[int]] = ()
) -> ModelGraph:
    """Read a model file's content held in memory (a git blob); `name` stands for the file."""
    if file_format(Path(name)) == "onnx":
        from .onnx import read_onnx_bytes

        return read_onnx_bytes(name, data, batch_size, input_shapes)
    return _build(read_raw_bytes(name, data), batch_size, input_shapes)


def _build(raw: RawModel, batch_size: int, input_shapes: Sequence[Sequence[int]]) -> ModelGraph:
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
