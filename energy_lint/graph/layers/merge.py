"""Merge layers: element-wise (Add, Multiply, ...), Concatenate and Dot.

MACs per sample: 0 for element-wise merges and Concatenate (nothing is accumulated); for Dot,
output elements x the contracted dimension."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .base import LayerCall, LayerConfigError, LayerResult, Shape, normalize_axis, shape_text


def broadcast(shapes: Sequence[Shape]) -> Shape:
    """NumPy broadcasting, which Keras' merge layers and ops follow."""
    rank = max(len(s) for s in shapes)
    out = []
    for position in range(rank):
        dims = {s[position - rank + len(s)] for s in shapes if position - rank + len(s) >= 0}
        dims.discard(1)
        if len(dims) > 1:
            listed = ", ".join(shape_text(s) for s in shapes)
            raise LayerConfigError(f"input shapes {listed} do not broadcast")
        out.append(dims.pop() if dims else 1)
    return tuple(out)


def elementwise(call: LayerCall) -> LayerResult:
    if len(call.inputs) < 2:
        raise LayerConfigError(f"expects at least 2 inputs, got {len(call.inputs)}")
    return LayerResult((broadcast(call.inputs),))


def subtract(call: LayerCall) -> LayerResult:
    if len(call.inputs) != 2:
        raise LayerConfigError(f"expects exactly 2 inputs, got {len(call.inputs)}")
    return elementwise(call)


def concatenate(call: LayerCall) -> LayerResult:
    shapes = call.inputs
    if not shapes:
        raise LayerConfigError("expects at least 1 input")
    rank = len(shapes[0])
    axis = normalize_axis(call.config.axes("axis", -1)[0], rank)
    for shape in shapes:
        if len(shape) != rank or any(a != b for i, (a, b) in enumerate(zip(shape, shapes[0])) if i != axis):
            listed = ", ".join(shape_text(s) for s in shapes)
            raise LayerConfigError(f"cannot concatenate shapes {listed} on axis {axis}")
    out = list(shapes[0])
    out[axis] = sum(s[axis] for s in shapes)
    return LayerResult((tuple(out),))


def dot(call: LayerCall) -> LayerResult:
    """Keras' Dot: contract one axis of each input, keep the batch."""
    if len(call.inputs) != 2:
        raise LayerConfigError(f"expects exactly 2 inputs, got {len(call.inputs)}")
    first, second = call.inputs
    axes = call.config.axes("axes")
    axes = axes * 2 if len(axes) == 1 else axes
    a = normalize_axis(axes[0], len(first))
    b = normalize_axis(axes[1], len(second))
    if first[a] != second[b]:
        raise LayerConfigError(f"dimension {first[a]} of axis {a} != {second[b]} of axis {b}")
    out = tuple(d for i, d in enumerate(first) if i != a) + tuple(
        d for i, d in enumerate(second) if i not in (0, b)
    )
    if len(out) == 1:
        out = (*out, 1)
    return LayerResult((out,), 0, math.prod(out[1:]) * first[a])


SPECS = {
    "Add": elementwise,
    "Multiply": elementwise,
    "Average": elementwise,
    "Maximum": elementwise,
    "Minimum": elementwise,
    "Subtract": subtract,
    "Concatenate": concatenate,
    "Dot": dot,
}
