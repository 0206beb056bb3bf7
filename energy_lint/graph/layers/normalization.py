"""Normalization layers: batch, layer, group, unit, RMS, and the Normalization preprocessing layer.

MACs per sample: 0. Normalization is element-wise (at inference batch norm folds into one
multiply-add per element); we keep element-wise work out of MACs, as the published conv+dense
figures do, and the predictors see it through element counts."""

from __future__ import annotations

import math

from .base import LayerCall, LayerResult, normalize_axis


def _axis_size(call: LayerCall, default: int | list[int]) -> int:
    shape = call.input
    axes = call.config.axes("axis", default)
    return math.prod(shape[normalize_axis(a, len(shape))] for a in set(axes))


def batch_normalization(call: LayerCall) -> LayerResult:
    """gamma and beta (when scale and center) plus the moving mean and variance."""
    size = _axis_size(call, -1)
    per_channel = 2 + call.config.bool("center", True) + call.config.bool("scale", True)
    return LayerResult((call.input,), size * per_channel)


def layer_normalization(call: LayerCall) -> LayerResult:
    size = _axis_size(call, -1)
    rms = call.config.bool("rms_scaling", False)
    scale = call.config.bool("scale", True) or rms
    center = call.config.bool("center", True) and not rms
    return LayerResult((call.input,), size * (scale + center))


def group_normalization(call: LayerCall) -> LayerResult:
    size = _axis_size(call, -1)
    per_channel = call.config.bool("center", True) + call.config.bool("scale", True)
    return LayerResult((call.input,), size * per_channel)


def rms_normalization(call: LayerCall) -> LayerResult:
    return LayerResult((call.input,), _axis_size(call, -1))


def normalization(call: LayerCall) -> LayerResult:
    """The preprocessing layer: adapted mean, variance and a count, unless mean/variance are given."""
    if call.config.get("mean") is not None:
        return LayerResult((call.input,))
    return LayerResult((call.input,), 2 * _axis_size(call, -1) + 1)


def unit_normalization(call: LayerCall) -> LayerResult:
    return LayerResult((call.input,))


SPECS = {
    "BatchNormalization": batch_normalization,
    "SyncBatchNormalization": batch_normalization,
    "LayerNormalization": layer_normalization,
    "GroupNormalization": group_normalization,
    "RMSNormalization": rms_normalization,
    "UnitNormalization": unit_normalization,
    "Normalization": normalization,
}
