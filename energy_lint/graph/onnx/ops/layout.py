"""Data movement (reshape, transpose, slice, concat, pad, resize, gather) and the ops that cost
nothing at inference (Identity, Dropout, Shape, Constant...): MACs 0. A Gather from a constant
2-D table is an embedding lookup and priced as Keras' Embedding."""

from __future__ import annotations

from .base import OpCall, OpResult, OpSpec, fixed

FREE = "Identity"
"""Keras' Identity layer: an inference no-op, which the estimate prices at nothing."""


def gather(call: OpCall) -> OpResult:
    table = call.inputs[0]
    if call.constant[0] and table is not None and len(table) == 2 and not call.constant[1]:
        return OpResult("Embedding", 0, {"input_dim": table[0], "output_dim": table[1]})
    return OpResult("Cropping1D", 0, {})


def resize(call: OpCall) -> OpResult:
    mode = str(call.attr("mode", "nearest"))
    return OpResult("UpSampling2D" if mode == "nearest" else "Resizing", 0, {"interpolation": mode})


_RESHAPING = {
    "Reshape": "Reshape",
    "Squeeze": "Reshape",
    "Unsqueeze": "Reshape",
    "Expand": "RepeatVector",
    "Tile": "RepeatVector",
    "Flatten": "Flatten",
    "Transpose": "Permute",
    "DepthToSpace": "Reshape",
    "SpaceToDepth": "Reshape",
    "Slice": "Cropping1D",
    "Split": "Cropping1D",
    "GatherElements": "Cropping1D",
    "GatherND": "Cropping1D",
    "ScatterND": "Cropping1D",
    "ScatterElements": "Cropping1D",
    "Pad": "ZeroPadding2D",
    "Upsample": "UpSampling2D",
    "Concat": "Concatenate",
}
_FREE = ("Identity", "Dropout", "Shape", "Size", "Constant", "ConstantOfShape", "If", "Loop", "Scan")

SPECS: dict[str, OpSpec] = {
    **{op: fixed(name) for op, name in _RESHAPING.items()},
    **{op: fixed(FREE) for op in _FREE},
    "Gather": gather,
    "Resize": resize,
}
