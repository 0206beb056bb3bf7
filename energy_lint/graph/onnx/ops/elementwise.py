"""Activations, arithmetic, comparisons, reductions and (de)quantization: element by element,
priced as the Keras activation or merge layer they match, MACs 0 (nothing is accumulated)."""

from __future__ import annotations

from ..proto import DTYPES
from .base import OpCall, OpResult, OpSpec, fixed
from .layout import FREE

_ACTIVATIONS = {
    "Relu": "relu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "Elu": "elu",
    "Selu": "selu",
    "Celu": "elu",
    "Gelu": "gelu",
    "FastGelu": "gelu",
    "BiasGelu": "gelu",
    "QuickGelu": "gelu",
    "Softplus": "softplus",
    "Softsign": "softplus",
    "HardSigmoid": "hard_sigmoid",
    "HardSwish": "hard_swish",
    "Mish": "swish",
    "Clip": "relu6",
    "ThresholdedRelu": "relu",
}
_CLASSES = {
    "LeakyRelu": "LeakyReLU",
    "PRelu": "PReLU",
    "Softmax": "Softmax",
    "LogSoftmax": "Softmax",
    "Hardmax": "Softmax",
    "Add": "Add",
    "Sum": "Add",
    "Sub": "Subtract",
    "Mul": "Multiply",
    "Div": "Multiply",
    "Max": "Maximum",
    "Min": "Minimum",
    "Mean": "Average",
}
_OTHER = [
    "Abs",
    "Neg",
    "Sqrt",
    "Exp",
    "Log",
    "Pow",
    "Reciprocal",
    "Erf",
    "Floor",
    "Ceil",
    "Round",
    "Sign",
    "Sin",
    "Cos",
    "Tan",
    "Asin",
    "Acos",
    "Atan",
    "Sinh",
    "Cosh",
    "Asinh",
    "Acosh",
    "Atanh",
    "IsNaN",
    "IsInf",
    "Not",
    "And",
    "Or",
    "Xor",
    "Equal",
    "Less",
    "LessOrEqual",
    "Greater",
    "GreaterOrEqual",
    "Where",
    "CastLike",
    "Mod",
    "BitShift",
    "BitwiseAnd",
    "BitwiseOr",
    "BitwiseXor",
    "BitwiseNot",
    "ReduceMean",
    "ReduceSum",
    "ReduceMax",
    "ReduceMin",
    "ReduceProd",
    "ReduceL1",
    "ReduceL2",
    "ReduceLogSum",
    "ReduceLogSumExp",
    "ReduceSumSquare",
    "ArgMax",
    "ArgMin",
    "CumSum",
    "TopK",
    "QuantizeLinear",
    "DequantizeLinear",
    "DynamicQuantizeLinear",
    "Range",
    "Trilu",
    "NonZero",
    "Einsum",
]


def cast(call: OpCall) -> OpResult:
    """A Cast to the type its input already has is a no-op onnxruntime removes (Keras models
    exported from its torch backend cast every input to float32): priced at nothing. Any other
    Cast converts every element and is priced as an element-wise op."""
    target = DTYPES.get(int(call.attr("to", 0)))
    if target is not None and call.dtypes and call.dtypes[0] == target:
        return OpResult(FREE)
    return OpResult("TFOpLambda")


SPECS: dict[str, OpSpec] = {
    **{op: fixed("Activation", activation=name) for op, name in _ACTIVATIONS.items()},
    **{op: fixed(name) for op, name in _CLASSES.items()},
    **{op: fixed("TFOpLambda") for op in _OTHER if op != "Einsum"},
    "Cast": cast,
}
