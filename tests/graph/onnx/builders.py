"""Small ONNX models built with the onnx package's own helpers, for behaviours that exporters
do not show on demand (symbolic dims, If branches, quantized and unknown ops)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

FLOAT = TensorProto.FLOAT


def weight(name: str, *shape: int, dtype=np.float32):
    rng = np.random.default_rng(len(name))
    return numpy_helper.from_array((rng.random(shape) * 10).astype(dtype), name)


def save(graph, path: Path, opset: int = 17, **options) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.save(model, str(path), **options)
    return path


def conv_model(path: Path, dims=("batch", 3, "height", "width"), filters: int = 8, **options) -> Path:
    """x -> Conv(`filters`, 3x3, pad 1) -> Relu."""
    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
            helper.make_node("Relu", ["c"], ["y"]),
        ],
        "conv",
        [helper.make_tensor_value_info("x", FLOAT, list(dims))],
        [helper.make_tensor_value_info("y", FLOAT, None)],
        [weight("w", filters, 3, 3, 3), weight("b", filters)],
    )
    return save(graph, path, **options)
