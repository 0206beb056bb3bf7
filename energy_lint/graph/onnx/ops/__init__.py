"""The table of ONNX op specs, one module per op family; an op not in it is unknown (EL303).

Ops of the default domain ("" or "ai.onnx") are keyed by their type; onnxruntime's contrib ops
("com.microsoft") by "com.microsoft:Type"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import conv, elementwise, layout, matmul, normalization, pooling, recurrent
from .base import Dims, MissingShape, OpCall, OpResult, OpSpec

__all__ = ["OUTPUT_SHAPES", "MissingShape", "OpCall", "OpResult", "OpSpec", "spec_for"]

_DEFAULT: dict[str, OpSpec] = {}
for _family in (elementwise, layout, normalization, pooling, recurrent, conv, matmul):
    _DEFAULT.update(_family.SPECS)

_MICROSOFT = {
    "FusedConv": conv.conv,
    "DynamicQuantizeLSTM": recurrent.recurrent,
    "FusedMatMul": matmul.matmul,
    **{
        op: _DEFAULT[op]
        for op in (
            "Gelu",
            "FastGelu",
            "BiasGelu",
            "QuickGelu",
            "SkipLayerNormalization",
            "SimplifiedLayerNormalization",
            "QLinearConv",
            "DynamicQuantizeLinear",
            "QuantizeLinear",
            "DequantizeLinear",
        )
    },
}


OUTPUT_SHAPES: dict[str, Callable[[Mapping[str, Any], Dims], list[Dims]]] = {
    "com.microsoft:DynamicQuantizeLSTM": recurrent.output_shapes,
}
"""Contrib ops whose output shapes ONNX's inference does not know, from their first input's shape
and their attributes: the reader declares them so that inference goes on after the op."""


def spec_for(domain: str, op_type: str) -> OpSpec | None:
    if domain in ("", "ai.onnx"):
        return _DEFAULT.get(op_type)
    if domain == "com.microsoft":
        return _MICROSOFT.get(op_type)
    return None
