"""Tiny real models saved by Keras itself, for the tests that need a genuine file to damage or
to read next to a damaged one. Keras is imported only when a test asks for one of these."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

KERAS3_FORMATS = ("keras", "h5", "json")
TF_KERAS_FORMATS = ("h5", "json")


def keras3() -> ModuleType:
    import keras

    return keras


def tf_keras() -> ModuleType:
    import tf_keras

    return tf_keras


def save(model: Any, directory: Path, stem: str, formats: tuple[str, ...]) -> dict[str, Path]:
    """`model` as `directory/stem.<fmt>` for every format; returns the paths by format."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for fmt in formats:
        path = directory / f"{stem}.{fmt}"
        if fmt == "json":
            path.write_text(model.to_json())
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Keras calls .h5 "legacy"
                model.save(path)
        paths[fmt] = path
    return paths


def save_weights(model: Any, path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save_weights(path)
    return path


def mlp(k: ModuleType) -> Any:
    """Sequential 8 -> 4 -> 3: 51 parameters."""
    return k.Sequential([k.Input((8,)), k.layers.Dense(4), k.layers.Dense(3)], name="mlp")


def convnet(k: ModuleType) -> Any:
    """A small functional model with a branch, so cycles and dangling edges have room."""
    inputs = k.Input((16, 16, 3), name="image")
    x = k.layers.Conv2D(8, 3, name="conv_a")(inputs)
    y = k.layers.Conv2D(8, 3, name="conv_b")(inputs)
    x = k.layers.Add(name="add")([x, y])
    x = k.layers.GlobalAveragePooling2D(name="pool")(x)
    return k.Model(inputs, k.layers.Dense(5, name="head")(x), name="convnet")


def lambda_model(k: ModuleType, marker: Path) -> Any:
    """Dense -> Lambda -> Dense, whose Lambda creates `marker` whenever its code runs.

    Keras runs it once to build the model: the caller deletes the marker after saving."""
    path = str(marker)  # Keras serializes the closure's values: a str, not a Path
    inputs = k.Input((8,), name="features")
    x = k.layers.Dense(4, name="before")(inputs)
    x = k.layers.Lambda(lambda t: (open(path, "w").close(), t)[1], name="side_effect")(x)
    return k.Model(inputs, k.layers.Dense(2, name="after")(x), name="with_lambda")


def zoo(k: ModuleType) -> Any:
    """Two inputs through many layer families (conv with groups, attention, recurrent, wrappers,
    EinsumDense, Dot, Concatenate, Flatten, Reshape, Embedding): a small file whose config
    reaches most of the layer code, for the mutation tests to damage."""
    layers = k.layers
    sequence = k.Input((8, 6), name="sequence")
    tokens = k.Input((5,), name="tokens", dtype="int32")
    x = layers.Conv1D(8, 3, padding="same", groups=2, name="conv")(sequence)
    x = layers.BatchNormalization(name="norm")(x)
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=4, name="attention")(x, x)
    x = layers.LayerNormalization(name="layer_norm")(layers.Add(name="residual")([x, attended]))
    recurrent = layers.Bidirectional(layers.LSTM(4, return_sequences=True), name="bilstm")(x)
    projected = layers.TimeDistributed(layers.Dense(8), name="per_step")(x)
    x = layers.Concatenate(axis=-1, name="concat")([recurrent, projected])
    x = layers.EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d", name="einsum")(x)
    x = layers.Dot(axes=(2, 2), name="dot")([x, x])
    x = layers.Reshape((8, 8), name="reshape")(layers.Flatten(name="flatten")(x))
    x = layers.GlobalAveragePooling1D(name="pool")(x)
    embedded = layers.GlobalAveragePooling1D(name="embed_pool")(layers.Embedding(20, 4, name="embed")(tokens))
    x = layers.Concatenate(name="join")([x, embedded])
    return k.Model([sequence, tokens], layers.Dense(3, activation="softmax", name="head")(x), name="zoo")
