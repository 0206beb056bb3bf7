"""Keras 3 operations used directly in a functional model (`x * y`, `x + 3.0`, keras.ops.*).

They are saved with module "keras.src.ops.<submodule>" and may mix tensors and constants.
MACs per sample: 0 for element-wise operations."""

from __future__ import annotations

from .base import LayerCall, LayerConfigError, LayerResult, Shape
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


SPECS = {**dict.fromkeys(_BINARY, binary), **dict.fromkeys(_UNARY, unary)}
