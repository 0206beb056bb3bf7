"""Gemm, MatMul, their quantized forms and Einsum: MACs = output elements x the contracted size
(M x N x K for a matrix product, as fvcore counts a Linear layer; bias not counted).

A product with a constant operand (a weight) is priced as a Dense layer; a product of two
activations (attention's Q.K^T and scores.V) as a Dot, the attention family's."""

from __future__ import annotations

import re

from .base import OpCall, OpResult, prod

# Where the two operands are among the inputs.
_OPERANDS = {
    "MatMul": (0, 1),
    "FusedMatMul": (0, 1),
    "MatMulInteger": (0, 1),
    "QLinearMatMul": (0, 3),
    "Gemm": (0, 1),
}


def _kind(call: OpCall, b: int, out: tuple[int, ...], k: int) -> OpResult:
    macs = prod(out) * k
    config = {"units": out[-1] if out else 1}
    if call.op_type in ("MatMulInteger", "QLinearMatMul"):
        config["dtype"] = call.dtypes[0] if call.dtypes else None
    return OpResult("Dense" if call.constant[b] else "Dot", macs, config)


def matmul(call: OpCall) -> OpResult:
    a, b = _OPERANDS[call.op_type]
    left = call.shape(a)
    return _kind(call, b, call.out(), left[-1] if left else 1)


def gemm(call: OpCall) -> OpResult:
    left = call.shape(0)
    k = left[0] if call.attr("transA", 0) else left[-1]
    return _kind(call, 1, call.out(), k)


def einsum(call: OpCall) -> OpResult:
    """Every index of the equation's inputs once: the product of their sizes (two operands)."""
    equation = str(call.attr("equation", "")).replace(" ", "")
    terms = equation.split("->")[0].split(",")
    if len(terms) != 2 or "." in equation:
        return OpResult("TFOpLambda", 0, {})
    sizes: dict[str, int] = {}
    for term, index in zip(terms, (0, 1)):
        for letter, size in zip(re.findall(r"[A-Za-z]", term), call.shape(index)):
            sizes[letter] = max(sizes.get(letter, 1), size)
    return OpResult("Dense" if call.constant[1] else "Dot", prod(sizes.values()), {})


SPECS = {
    "MatMul": matmul,
    "MatMulInteger": matmul,
    "QLinearMatMul": matmul,
    "Gemm": gemm,
    "Einsum": einsum,
}
