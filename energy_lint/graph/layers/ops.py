"""Keras 3 operations used directly in a functional model (`x * y`, `x + 3.0`, keras.ops.*).

They are saved with module "keras.src.ops.<submodule>" and may mix tensors and constants;
Keras also writes the ops that compute masks (NotEqual, Any after a Masking layer).
MACs per sample: 0 for element-wise operations and reductions."""

from __future__ import annotations

from .base import LayerCall, LayerConfigError, LayerResult, Shape, normalize_axis
from .merge import broadcast

_BINARY = (
    "Add",
    "Subtract",
    "Multiply",
    "Divide",
    "TrueDivide",
    "FloorDivide",
    "Power",
    "Mod",
    "Maximum",
    "Minimum",
    "Equal",
    "NotEqual",
    "Greater",
    "GreaterEqual",
    "Less",
    "LessEqual",
    "LogicalAnd",
    "LogicalOr",
)
_UNARY = (
    "Abs",
    "Absolute",
    "Negative",
    "Sqrt",
    "Square",
    "Exp",
    "Log",
    "Tanh",
    "Sin",
    "Cos",
    "Sigmoid",
    "Relu",
    "Relu6",
    "Gelu",
    "Silu",
    "Swish",
    "HardSigmoid",
    "HardSilu",
    "HardSwish",
    "Softplus",
    "Softsign",
    "Elu",
    "Selu",
    "LeakyRelu",
    "Softmax",
    "LogSoftmax",
    "Erf",
    "Reciprocal",
    "Rsqrt",
    "Sign",
    "Floor",
    "Ceil",
    "Round",
    "Clip",
    "Cast",
    "StopGradient",
)


def constant_shape(value: object) -> Shape:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ()
    raise LayerConfigError(f"unsupported constant operand {value!r}")


def binary(call: LayerCall) -> LayerResult:
    shapes = list(call.inputs) + [constant_shape(c) for c in call.constants[:2]]
    if len(shapes) != 2:
        raise LayerConfigError(f"expects 2 operands, got {len(shapes)}")
    return LayerResult((broadcast(shapes),))


def unary(call: LayerCall) -> LayerResult:
    return LayerResult((call.inputs[0] if call.inputs else call.input,))


_REDUCTIONS = ("Any", "All", "Sum", "Mean", "Max", "Min", "Prod", "Amax", "Amin", "Logsumexp")


def reduction(call: LayerCall) -> LayerResult:
    """Reduce over `axis` (all axes when null), keeping them as 1 when `keepdims`."""
    shape = call.inputs[0] if call.inputs else call.input
    rank = len(shape)
    axes = {normalize_axis(a, rank) for a in call.config.axes("axis", list(range(rank)))}
    keep = call.config.bool("keepdims", False)
    out = tuple(1 if i in axes else d for i, d in enumerate(shape) if keep or i not in axes)
    return LayerResult((out,))


SPECS = {
    **dict.fromkeys(_BINARY, binary),
    **dict.fromkeys(_UNARY, unary),
    **dict.fromkeys(_REDUCTIONS, reduction),
}
