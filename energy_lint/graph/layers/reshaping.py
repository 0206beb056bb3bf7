"""Reshaping layers: Reshape, Flatten, Permute, RepeatVector, and cropping, zero padding and
upsampling in 1, 2 and 3 dimensions. They move data and multiply nothing: MACs per sample 0."""

from __future__ import annotations

import math
from typing import Any

from .base import LayerCall, LayerConfigError, LayerResult, Shape, checked_int, numel


def reshape(call: LayerCall) -> LayerResult:
    shape = call.input
    target = call.config.get("target_shape")
    if not isinstance(target, (list, tuple)):
        raise LayerConfigError(f"config 'target_shape' must be a list, got {target!r}")
    dims = [checked_int(d, "config 'target_shape'", minimum=-1) for d in target]
    total = numel(shape)
    if dims.count(-1) > 1 or 0 in dims:
        raise LayerConfigError(f"invalid target_shape {target!r}")
    known = math.prod(d for d in dims if d != -1)
    if -1 in dims:
        if total % known:
            raise LayerConfigError(f"cannot reshape {total} elements into {target!r}")
        dims[dims.index(-1)] = total // known
    elif known != total:
        raise LayerConfigError(f"cannot reshape {total} elements into {target!r}")
    return LayerResult(((shape[0], *dims),))


def flatten(call: LayerCall) -> LayerResult:
    shape = call.input
    return LayerResult(((shape[0], numel(shape)),))


def permute(call: LayerCall) -> LayerResult:
    shape = call.input
    dims = call.config.ints("dims", len(shape) - 1)
    if sorted(dims) != list(range(1, len(shape))):
        raise LayerConfigError(f"config 'dims' {list(dims)} is not a permutation of 1..{len(shape) - 1}")
    return LayerResult(((shape[0], *(shape[d] for d in dims)),))


def repeat_vector(call: LayerCall) -> LayerResult:
    batch, features = call.input_of_rank(2)
    return LayerResult(((batch, call.config.int("n"), features),))


def _pairs(value: Any, rank: int, key: str) -> list[tuple[int, int]]:
    """Keras' cropping/padding forms: n, (n_1, ..., n_rank) or ((a_1, b_1), ..., (a_rank, b_rank))."""
    if (
        rank == 1
        and isinstance(value, (list, tuple))
        and len(value) == 2
        and all(not isinstance(v, (list, tuple)) for v in value)
    ):
        return [(checked_int(value[0], key, 0), checked_int(value[1], key, 0))]
    if not isinstance(value, (list, tuple)):
        n = checked_int(value, key, 0)
        return [(n, n)] * rank
    if len(value) != rank:
        raise LayerConfigError(f"{key} must have {rank} entries, got {value!r}")
    pairs = []
    for item in value:
        if isinstance(item, (list, tuple)):
            if len(item) != 2:
                raise LayerConfigError(f"{key} entries must be pairs, got {value!r}")
            pairs.append((checked_int(item[0], key, 0), checked_int(item[1], key, 0)))
        else:
            n = checked_int(item, key, 0)
            pairs.append((n, n))
    return pairs


def _spatial_axes(call: LayerCall, rank: int) -> tuple[Shape, list[int]]:
    shape = call.input_of_rank(rank + 2)
    first = call.config.channels_first() if rank > 1 else False
    return shape, list(range(2, rank + 2)) if first else list(range(1, rank + 1))


def _resize(rank: int, key: str, sign: int):
    def spec(call: LayerCall) -> LayerResult:
        shape, axes = _spatial_axes(call, rank)
        pairs = _pairs(call.config.get(key, 1), rank, f"config '{key}'")
        out = list(shape)
        for axis, (before, after) in zip(axes, pairs):
            out[axis] = shape[axis] + sign * (before + after)
            if out[axis] < 1:
                raise LayerConfigError(f"{key} {pairs} removes all of dimension {shape[axis]}")
        return LayerResult((tuple(out),))

    return spec


def _upsampling(rank: int):
    def spec(call: LayerCall) -> LayerResult:
        shape, axes = _spatial_axes(call, rank)
        sizes = call.config.ints("size", rank, 2)
        out = list(shape)
        for axis, size in zip(axes, sizes):
            out[axis] = shape[axis] * size
        return LayerResult((tuple(out),))

    return spec


SPECS = {
    "Reshape": reshape,
    "Flatten": flatten,
    "Permute": permute,
    "RepeatVector": repeat_vector,
}
for _rank in (1, 2, 3):
    SPECS[f"Cropping{_rank}D"] = _resize(_rank, "cropping", -1)
    SPECS[f"ZeroPadding{_rank}D"] = _resize(_rank, "padding", +1)
    SPECS[f"UpSampling{_rank}D"] = _upsampling(_rank)
