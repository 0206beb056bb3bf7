"""Pools, local and global: priced as the Keras pooling layers, MACs 0 (nothing accumulated)."""

from __future__ import annotations

from .base import OpCall, OpResult


def _local(kind: str):
    def spec(call: OpCall) -> OpResult:
        kernel = list(call.attr("kernel_shape") or [])
        rank = min(max(len(kernel), 1), 3)
        config = {
            "pool_size": kernel,
            "strides": list(call.attr("strides") or [1] * len(kernel)),
            "data_format": "channels_first",
        }
        return OpResult(f"{kind}Pooling{rank}D", 0, config)

    return spec


def _global(kind: str):
    def spec(call: OpCall) -> OpResult:
        rank = min(max(len(call.shape(0)) - 2, 1), 3)
        return OpResult(f"Global{kind}Pooling{rank}D", 0, {"data_format": "channels_first"})

    return spec


SPECS = {
    "MaxPool": _local("Max"),
    "AveragePool": _local("Average"),
    "LpPool": _local("Average"),
    "GlobalMaxPool": _global("Max"),
    "GlobalAveragePool": _global("Average"),
    "GlobalLpPool": _global("Average"),
}
