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
