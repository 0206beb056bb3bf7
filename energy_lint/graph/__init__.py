"""Readers: a model file -> ModelGraph, without importing Keras or TensorFlow. Each format's
reader is imported when a file of that format is read (graph/keras_reader.py, graph/onnx/)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .files import file_format
from .model import LayerNode, ModelGraph

__all__ = ["LayerNode", "ModelGraph", "file_format", "read_model", "read_model_bytes"]


def read_model(
    path: Path | str,
    batch_size: int = 1,
    input_shapes: Sequence[Sequence[int]] = (),
    free_dims: bool = False,
) -> ModelGraph:
    """Read one model file. Raises ModelReadError (one line naming the file) on bad input.

    With `free_dims`, an input dimension the model leaves as None and no input shape fills is
    shown as None (ModelGraph.free_dims) instead of refused: what `inspect` does."""
    if file_format(Path(path)) == "onnx":
        from .onnx import read_onnx_file  # the onnx package loads only for an .onnx file

        return read_onnx_file(Path(path), batch_size, input_shapes)
    from .keras_reader import read_keras_file

    return read_keras_file(Path(path), batch_size, input_shapes, free_dims)


def read_model_bytes(
    name: str, data: bytes, batch_size: int = 1, input_shapes: Sequence[Sequence[int]] = ()
) -> ModelGraph:
    """Read a model file's content held in memory (a git blob); `name` stands for the file."""
    if file_format(Path(name)) == "onnx":
        from .onnx import read_onnx_bytes

        return read_onnx_bytes(name, data, batch_size, input_shapes)
    from .keras_reader import read_keras_bytes

    return read_keras_bytes(name, data, batch_size, input_shapes)
