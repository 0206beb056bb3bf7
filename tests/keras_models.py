"""Real Keras models for the tests, built with Keras itself (weights=None) and saved in every
format the reader takes, plus what Keras says about them: params and per-layer output shapes.

Two flavours: Keras 3 (`keras`) writes .keras, legacy .h5 and .json; tf.keras 2 (`tf_keras`)
writes the Keras 2 serialization (.h5 and .json), whose call format differs from Keras 3's."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

FORMATS = {"keras3": ("keras", "h5", "json"), "keras2": ("h5", "json")}


def keras_module(flavour: str) -> ModuleType:
    if flavour == "keras3":
        import keras

        return keras
    import tf_keras

    return tf_keras


def application_names(flavour: str) -> list[str]:
    """Every architecture of keras.applications in this flavour."""
    applications = keras_module(flavour).applications
    return sorted(name for name in dir(applications) if name[0].isupper())


def save(model: Any, directory: Path, stem: str, fmt: str) -> Path:
    path = directory / f"{stem}.{fmt}"
    if fmt == "json":
        path.write_text(model.to_json())
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras calls .h5 "legacy"; reading it is the point
            model.save(path)
    return path


def _is_model(layer: Any) -> bool:
    return hasattr(layer, "layers") and hasattr(layer, "inputs") and not hasattr(layer, "cell")


def _nodes(layer: Any) -> list[Any]:
    nodes = getattr(layer, "_inbound_nodes", None)
    return list(nodes if nodes is not None else layer.inbound_nodes)


def _flat(tensors: Any) -> list[Any]:
    if isinstance(tensors, dict):
        return [t for value in tensors.values() for t in _flat(value)]
    if isinstance(tensors, (list, tuple)):
        return [t for value in tensors for t in _flat(value)]
    return [tensors]


def keras_output_shapes(model: Any, prefix: str = "") -> dict[str, list[tuple[int | None, ...]]]:
    """Keras' own output shapes (batch dimension dropped) of every layer call, named as
    energy-lint names them: nested models flattened as "outer/inner", a shared layer's k-th call
    as "name@k". Inside a nested model only the model's own call (node 0) is listed."""
    shapes: dict[str, list[tuple[int | None, ...]]] = {}
    for layer in model.layers:
        if _is_model(layer):
            shapes.update(keras_output_shapes(layer, f"{prefix}{layer.name}/"))
            continue
        if type(layer).__name__ == "InputLayer":
            continue
        nodes = _nodes(layer)
        for index, node in enumerate(nodes if not prefix else nodes[:1]):
            name = prefix + layer.name + (f"@{index}" if index else "")
            shapes[name] = [tuple(t.shape)[1:] for t in _flat(node.output_tensors)]
    return shapes


def keras_runtime_shapes(model: Any, flavour: str, nested: bool = False) -> dict[str, list[tuple[int, ...]]]:
    """Like keras_output_shapes, but from running the model on zeros: the shapes Keras really
    produces. (Keras' symbolic shapes can be wrong: Keras 3.15 gives MultiHeadAttention scores
    the query length on both axes when the key is longer.)"""
    import numpy as np

    names: list[tuple[str, int]] = []
    tensors: list[Any] = []
    shapes: dict[str, list[tuple[int, ...]]] = {}
    for layer in model.layers:
        if _is_model(layer):
            inner = keras_runtime_shapes(layer, flavour, nested=True)
            shapes.update({f"{layer.name}/{name}": value for name, value in inner.items()})
        elif type(layer).__name__ != "InputLayer":
            nodes = _nodes(layer)
            for index, node in enumerate(nodes[:1] if nested else nodes):
                outputs = _flat(node.output_tensors)
                names.append((layer.name + (f"@{index}" if index else ""), len(outputs)))
                tensors += outputs
    if not tensors:
        return shapes
    runner = keras_module(flavour).Model(model.inputs, tensors)
    feeds = [np.zeros((1, *t.shape[1:]), dtype=getattr(t.dtype, "name", t.dtype)) for t in model.inputs]
    results = runner.predict(feeds, verbose=0)
    results = results if isinstance(results, list) else [results]
    position = 0
    for name, count in names:
        shapes[name] = [tuple(r.shape)[1:] for r in results[position : position + count]]
        position += count
    return shapes


# -- a zoo of models covering every layer family the reader supports ------------------------
# Each builder takes the keras module (Keras 3 or tf_keras) and returns a model. Builders that
# use layers only one flavour has are listed in KERAS3_ONLY.


def dense_mlp(k: ModuleType) -> Any:
    return k.Sequential(
        [
            k.Input((20,)),
            k.layers.Dense(64, activation="relu"),
            k.layers.Dropout(0.5),
            k.layers.Dense(32, use_bias=False),
            k.layers.BatchNormalization(),
            k.layers.LeakyReLU(),
            k.layers.Dense(10, activation="softmax"),
        ],
        name="dense_mlp",
    )


def conv1d_net(k: ModuleType) -> Any:
    L = k.layers
    x = inputs = k.Input((100, 8))
    x = L.Conv1D(16, 5, padding="causal", dilation_rate=2)(x)
    x = L.Conv1D(16, 3, strides=2, padding="same", groups=4)(x)
    x = L.SeparableConv1D(24, 3, depth_multiplier=2)(x)
    x = L.DepthwiseConv1D(3, depth_multiplier=2, padding="same")(x)
    x = L.MaxPooling1D(2)(x)
    x = L.AveragePooling1D(3, strides=1, padding="same")(x)
    x = L.Conv1DTranspose(8, 4, strides=2)(x)
    x = L.Cropping1D((1, 2))(x)
    x = L.ZeroPadding1D(3)(x)
    x = L.UpSampling1D(2)(x)
    x = L.SpatialDropout1D(0.1)(x)
    a = L.GlobalMaxPooling1D()(x)
    b = L.GlobalAveragePooling1D()(x)
    return k.Model(inputs, L.Concatenate()([a, b]), name="conv1d_net")


def conv2d_net(k: ModuleType) -> Any:
    L = k.layers
    x = inputs = k.Input((64, 48, 3))
    x = L.ZeroPadding2D(((1, 2), (3, 4)))(x)
    x = L.Conv2D(16, (5, 3), strides=(2, 1), padding="valid", dilation_rate=1)(x)
    x = L.Conv2D(32, 3, padding="same", dilation_rate=2, groups=4)(x)
    x = L.DepthwiseConv2D(3, strides=2, depth_multiplier=3, padding="same")(x)
    x = L.SeparableConv2D(40, (3, 3), padding="valid")(x)
    x = L.PReLU(shared_axes=[1, 2])(x)
    x = L.MaxPooling2D(pool_size=(3, 2), strides=(2, 2), padding="same")(x)
    x = L.AveragePooling2D(2)(x)
    x = L.Conv2DTranspose(12, 3, strides=2, padding="same", output_padding=1)(x)
    x = L.Conv2DTranspose(12, (2, 3), strides=(3, 2), padding="valid")(x)
    x = L.Cropping2D(((1, 0), (2, 1)))(x)
    x = L.UpSampling2D((2, 3), interpolation="bilinear")(x)
    x = L.SpatialDropout2D(0.2)(x)
    x = L.LayerNormalization(axis=[1, 2, 3])(x)
    x = L.GlobalAveragePooling2D(keepdims=True)(x)
    x = L.Flatten()(x)
    return k.Model(inputs, L.Dense(5)(x), name="conv2d_net")


def conv3d_net(k: ModuleType) -> Any:
    L = k.layers
    x = inputs = k.Input((10, 16, 16, 2))
    x = L.Conv3D(8, 3, strides=(1, 2, 2), padding="same")(x)
    x = L.Conv3D(8, (2, 3, 3), groups=2)(x)
    x = L.MaxPooling3D((1, 2, 2))(x)
    x = L.AveragePooling3D(2, padding="same")(x)
    x = L.Conv3DTranspose(4, 3, strides=2)(x)
    x = L.Cropping3D(((1, 1), (0, 2), (1, 0)))(x)
    x = L.ZeroPadding3D((1, 2, 3))(x)
    x = L.UpSampling3D(2)(x)
    x = L.SpatialDropout3D(0.1)(x)
    a = L.GlobalMaxPooling3D()(x)
    b = L.GlobalAveragePooling3D(keepdims=True)(x)
    return k.Model(inputs, [a, b], name="conv3d_net")


def channels_first_net(k: ModuleType) -> Any:
    L = k.layers
    x = inputs = k.Input((3, 32, 24))
    x = L.Conv2D(8, 3, strides=2, data_format="channels_first")(x)
    x = L.BatchNormalization(axis=1)(x)
    x = L.MaxPooling2D(2, data_format="channels_first")(x)
    x = L.ZeroPadding2D(1, data_format="channels_first")(x)
    x = L.UpSampling2D(2, data_format="channels_first")(x)
    x = L.Cropping2D(1, data_format="channels_first")(x)
    x = L.SeparableConv2D(6, 3, data_format="channels_first")(x)
    x = L.GlobalAveragePooling2D(data_format="channels_first")(x)
    return k.Model(inputs, x, name="channels_first_net")


def merge_net(k: ModuleType) -> Any:
    L = k.layers
    a = k.Input((8, 16), name="left")
    b = k.Input((8, 16), name="right")
    c = k.Input((1, 16), name="broadcast")
    added = L.Add()([a, b])
    subtracted = L.Subtract()([a, b])
    multiplied = L.Multiply()([a, b, a])
    averaged = L.Average()([a, b])
    maximum = L.Maximum()([a, b])
    minimum = L.Minimum()([a, b])
    broadcasted = L.Add()([a, c])
    stacked = L.Concatenate(axis=1)([added, subtracted, multiplied])
    side = L.Concatenate(axis=-1)([averaged, maximum, minimum, broadcasted])
    dotted = L.Dot(axes=(2, 2))([a, b])
    cosine = L.Dot(axes=1, normalize=True)([L.Flatten()(a), L.Flatten()(b)])
    return k.Model([a, b, c], [stacked, side, dotted, cosine], name="merge_net")


def reshape_net(k: ModuleType) -> Any:
    L = k.layers
    x = inputs = k.Input((12, 10))
    x = L.Reshape((5, -1, 2))(x)
    x = L.Permute((3, 1, 2))(x)
    x = L.Reshape((120,))(x)
    x = L.RepeatVector(4)(x)
    x = L.GaussianNoise(0.1)(x)
    x = L.GaussianDropout(0.1)(x)
    x = L.AlphaDropout(0.1)(x)
    x = L.ActivityRegularization(l1=0.01)(x)
    x = L.Activation("tanh")(x)
    x = L.ReLU(max_value=6.0)(x)
    x = L.ELU()(x)
    x = L.Softmax(axis=1)(x)
    return k.Model(inputs, L.Flatten()(x), name="reshape_net")


def normalization_net(k: ModuleType) -> Any:
    L = k.layers
    x = inputs = k.Input((16, 16, 12))
    x = L.Rescaling(1 / 255.0, offset=-1)(x)
    x = L.Normalization(axis=-1)(x)
    x = L.Normalization(mean=[0.5] * 12, variance=[0.25] * 12)(x)
    x = L.BatchNormalization(center=False)(x)
    x = L.BatchNormalization(axis=1, scale=False)(x)
    x = L.LayerNormalization(center=False)(x)
    x = L.GroupNormalization(groups=4)(x)
    x = L.UnitNormalization()(x)
    x = L.Resizing(20, 24)(x)
    x = L.CenterCrop(10, 12)(x)
    x = L.RandomFlip()(x)
    x = L.RandomRotation(0.1)(x)
    x = L.RandomZoom(0.1)(x)
    x = L.RandomContrast(0.1)(x)
    return k.Model(inputs, x, name="normalization_net")


def embedding_rnn_net(k: ModuleType) -> Any:
    L = k.layers
    tokens = k.Input((30,), dtype="int32")
    x = L.Embedding(1000, 32)(tokens)
    x = L.SimpleRNN(16, return_sequences=True)(x)
    x = L.GRU(12, return_sequences=True, reset_after=False)(x)
    x = L.GRU(12, return_sequences=True)(x)
    x = L.LSTM(10, return_sequences=True, use_bias=False)(x)
    x = L.Bidirectional(L.LSTM(8, return_sequences=True))(x)
    x = L.Bidirectional(L.GRU(6, return_sequences=True), merge_mode="sum")(x)
    x = L.Bidirectional(
        L.SimpleRNN(5, return_sequences=True),
        backward_layer=L.SimpleRNN(5, go_backwards=True, return_sequences=True),
        merge_mode="ave",
    )(x)
    x = L.TimeDistributed(L.Dense(7))(x)
    x = L.Masking()(x)
    sequence, hidden, cell = L.LSTM(9, return_state=True)(x)
    pair = L.Bidirectional(L.GRU(4), merge_mode=None)(x)
    return k.Model(tokens, [sequence, hidden, cell, *pair], name="embedding_rnn_net")


def rnn_cell_net(k: ModuleType) -> Any:
    L = k.layers
    x = inputs = k.Input((12, 6))
    x = L.RNN(L.LSTMCell(8), return_sequences=True)(x)
    x = L.RNN([L.GRUCell(6), L.SimpleRNNCell(4)], return_sequences=True)(x)
    h0 = k.Input((5,))
    x = L.SimpleRNN(5)(x, initial_state=[h0])
    return k.Model([inputs, h0], x, name="rnn_cell_net")


def time_distributed_conv(k: ModuleType) -> Any:
    L = k.layers
    x = inputs = k.Input((6, 32, 32, 3))
    x = L.TimeDistributed(L.Conv2D(8, 3, strides=2))(x)
    x = L.TimeDistributed(L.MaxPooling2D())(x)
    x = L.ConvLSTM2D(4, 3, padding="same", return_sequences=True)(x)
    x = L.ConvLSTM2D(4, 3, strides=2)(x)
    x = L.TimeDistributed(L.Flatten())(L.Reshape((1, -1))(L.Flatten()(x)))
    return k.Model(inputs, x, name="time_distributed_conv")


def conv_lstm_1d_3d(k: ModuleType) -> Any:
    L = k.layers
    a = k.Input((4, 20, 3))
    b = k.Input((3, 6, 6, 6, 2))
    x = L.ConvLSTM1D(5, 3, return_sequences=True, return_state=True)(a)
    y = L.ConvLSTM3D(3, 2, padding="same")(b)
    return k.Model([a, b], [*x, y], name="conv_lstm_1d_3d")


def attention_net(k: ModuleType) -> Any:
    L = k.layers
    query = k.Input((10, 16), name="query")
    value = k.Input((14, 12), name="value")
    key = k.Input((14, 8), name="key")
    self_attention = L.MultiHeadAttention(num_heads=4, key_dim=8)(query, query)
    cross, scores = L.MultiHeadAttention(
        num_heads=2, key_dim=6, value_dim=5, output_shape=20, use_bias=False
    )(query, value, key=key, return_attention_scores=True)
    dot = L.Attention(use_scale=True)([query, L.Dense(16)(value)])
    concat = L.Attention(score_mode="concat")([query, L.Dense(16)(value)])
    additive = L.AdditiveAttention()([query, L.Dense(16)(value), L.Dense(16)(key)])
    normed = L.LayerNormalization()(L.Add()([self_attention, query]))
    ffn = L.Dense(16)(L.Dense(64, activation="gelu")(normed))
    return k.Model([query, value, key], [ffn, cross, scores, dot, concat, additive], name="attention_net")


def attention_axes_net(k: ModuleType) -> Any:
    L = k.layers
    x = k.Input((5, 6, 8))
    y = L.MultiHeadAttention(num_heads=2, key_dim=4, attention_axes=(1, 2))(x, x)
    z = L.MultiHeadAttention(num_heads=3, key_dim=4, attention_axes=2, output_shape=(2, 5))(x, x)
    return k.Model(x, [y, z], name="attention_axes_net")


def einsum_net(k: ModuleType) -> Any:
    L = k.layers
    x = inputs = k.Input((7, 12))
    x = L.EinsumDense("abc,cd->abd", output_shape=(None, 20), bias_axes="d")(x)
    x = L.EinsumDense("abc,cde->abde", output_shape=(None, 4, 5))(x)
    y = L.EinsumDense("...b,bc->...c", output_shape=6)(inputs)
    return k.Model(inputs, [x, y], name="einsum_net")


def nested_shared_net(k: ModuleType) -> Any:
    """Nested functional and sequential models, a shared layer and a shared nested model."""
    L = k.layers
    encoder_in = k.Input((16,))
    encoder = k.Model(encoder_in, L.Dense(8, activation="relu")(L.Dense(12)(encoder_in)), name="encoder")
    head = k.Sequential([k.Input((8,)), L.Dense(4), L.Dense(2)], name="head")
    a = k.Input((16,), name="a")
    b = k.Input((16,), name="b")
    shared = L.Dense(16, name="shared_dense")
    left = encoder(shared(a))
    right = encoder(shared(b))
    distance = L.Subtract()([left, right])
    return k.Model([a, b], [head(distance), left], name="nested_shared_net")


def sequential_in_sequential(k: ModuleType) -> Any:
    L = k.layers
    block = k.Sequential([L.Conv2D(4, 3, padding="same"), L.ReLU()], name="block")
    return k.Sequential([k.Input((12, 12, 3)), block, L.Flatten(), L.Dense(3)], name="outer")


def keras3_extras(k: ModuleType) -> Any:
    """Layers only Keras 3 has: grouped-query attention, RMS normalization, keras.ops in a graph."""
    L = k.layers
    x = inputs = k.Input((10, 16))
    x = L.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)(x, x)
    x = L.RMSNormalization()(x)
    x = x * 2.0 + 1.0
    x = k.ops.relu(x)
    x = L.Identity()(x)
    return k.Model(inputs, x, name="keras3_extras")


ZOO: dict[str, Callable[[ModuleType], Any]] = {
    builder.__name__: builder
    for builder in (
        dense_mlp,
        conv1d_net,
        conv2d_net,
        conv3d_net,
        channels_first_net,
        merge_net,
        reshape_net,
        normalization_net,
        embedding_rnn_net,
        rnn_cell_net,
        time_distributed_conv,
        conv_lstm_1d_3d,
        attention_net,
        attention_axes_net,
        einsum_net,
        nested_shared_net,
        sequential_in_sequential,
        keras3_extras,
    )
}
KERAS3_ONLY = {"keras3_extras"}
