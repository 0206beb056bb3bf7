"""A one-layer Keras model for a suite case: the layer built from its config (never from code)
and fed random inputs of the case's shapes."""

from __future__ import annotations

from typing import Any

from .suite import LayerCase

_POSITIONAL = {"MultiHeadAttention", "GroupedQueryAttention", "GroupQueryAttention"}


def build_layer_model(keras: Any, case: LayerCase) -> tuple[Any, Any]:
    import numpy as np

    dtype = "int32" if case.layer_class == "Embedding" else "float32"
    inputs = [keras.Input(batch_shape=tuple(shape), dtype=dtype) for shape in case.input_shapes]
    layer_type = getattr(keras.layers, case.layer_class, None)
    if not isinstance(layer_type, type):
        raise ValueError(f"keras.layers has no {case.layer_class}")
    layer = layer_type.from_config({**case.layer_config, "name": "probe"})
    if case.layer_class in _POSITIONAL:
        output = layer(*inputs)
    else:
        output = layer(inputs[0] if len(inputs) == 1 else inputs)
    model = keras.Model(inputs, output)
    rng = np.random.default_rng(0)
    arrays = [
        np.zeros(shape, dtype=dtype) if dtype == "int32" else rng.standard_normal(shape).astype(dtype)
        for shape in case.input_shapes
    ]
    return model, arrays[0] if len(arrays) == 1 else arrays


def output_shape(outputs: Any) -> list[Any]:
    """The shape of what one forward pass returned (a list of shapes for several outputs)."""
    if isinstance(outputs, (list, tuple)):
        return [list(o.shape) for o in outputs]
    return list(outputs.shape)
