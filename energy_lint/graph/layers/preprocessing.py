"""Image preprocessing layers that are part of a model: Rescaling, Resizing, CenterCrop and
RandomCrop (which crops to its size at inference). MACs per sample: 0."""

from __future__ import annotations

from .base import LayerCall, LayerResult, same_shape


def _to_size(call: LayerCall) -> LayerResult:
    shape = call.input_of_rank(3, 4)
    height, width = call.config.int("height"), call.config.int("width")
    if call.config.channels_first():
        out = (*shape[:-2], height, width)
    else:
        out = (*shape[:-3], height, width, shape[-1])
    return LayerResult((out,))


SPECS = {
    "Rescaling": same_shape,
    "Resizing": _to_size,
    "CenterCrop": _to_size,
    "RandomCrop": _to_size,
}
