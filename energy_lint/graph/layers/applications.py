"""Layers that keras.applications defines for its own architectures.

- LayerScale (ConvNeXt): a learned per-channel scale; `projection_dim` params, 0 MACs.
- StochasticDepth (ConvNeXt): identity at inference.
- CustomScaleLayer (InceptionResNetV2): inputs[0] + scale * inputs[1]; 0 params, 0 MACs."""

from __future__ import annotations

from .base import LayerCall, LayerResult, same_shape
from .merge import broadcast


def layer_scale(call: LayerCall) -> LayerResult:
    return LayerResult((call.input,), call.config.int("projection_dim"))


def custom_scale(call: LayerCall) -> LayerResult:
    return LayerResult((broadcast(call.inputs),))


SPECS = {
    "LayerScale": layer_scale,
    "StochasticDepth": same_shape,
    "CustomScaleLayer": custom_scale,
    # tf.keras' legacy .h5 writes the registered name, in its default "Custom" package, as the
    # class name; its application layer keeps config "scale", so the name is not ambiguous.
    "Custom>CustomScaleLayer": custom_scale,
}
