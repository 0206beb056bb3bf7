"""Pooling and global pooling in 1, 2 and 3 dimensions.

MACs per sample: 0. Pooling compares or adds; it multiplies nothing into an accumulator, and
fvcore counts no max pooling. Its cost reaches the predictors through element counts."""

from __future__ import annotations

from .base import LayerCall, LayerResult
from .conv import Geometry


def _pool(rank: int):
    def spec(call: LayerCall) -> LayerResult:
        geo = Geometry(call, rank, pool=True)
        return LayerResult((geo.assemble(geo.output_spatial(), geo.channels),))

    return spec


def _global_pool(rank: int):
    def spec(call: LayerCall) -> LayerResult:
        shape = call.input_of_rank(rank + 2)
        channels_first = call.config.channels_first()
        channels = shape[1] if channels_first else shape[-1]
        if call.config.bool("keepdims", False):
            ones = (1,) * rank
            out = (shape[0], channels, *ones) if channels_first else (shape[0], *ones, channels)
        else:
            out = (shape[0], channels)
        return LayerResult((out,))

    return spec


SPECS = {}
for _rank in (1, 2, 3):
    for _kind, _short in (("Max", "Max"), ("Average", "Avg")):
        SPECS[f"{_kind}Pooling{_rank}D"] = SPECS[f"{_short}Pool{_rank}D"] = _pool(_rank)
        SPECS[f"Global{_kind}Pooling{_rank}D"] = SPECS[f"Global{_short}Pool{_rank}D"] = _global_pool(_rank)
