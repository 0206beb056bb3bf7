"""Activations: element-wise, shape-preserving. MACs per sample: 0 (nothing is accumulated)."""

from __future__ import annotations

import math

from .base import LayerCall, LayerResult, normalize_axis, same_shape


def prelu(call: LayerCall) -> LayerResult:
    """One learned slope per element, shared along `shared_axes`."""
    shape = call.input
    alpha = list(shape[1:])
    for axis in call.config.axes("shared_axes", []):
        alpha[normalize_axis(axis, len(shape)) - 1] = 1
    return LayerResult((shape,), math.prod(alpha))


SPECS = {
    name: same_shape for name in ("Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "ThresholdedReLU")
}
SPECS["PReLU"] = prelu
