"""What many test modules share, built once per session (per xdist worker): tiny real models
saved by Keras 3 and by tf.keras 2 in each of their formats. Building and saving a Keras model
costs seconds; the modules that read, damage or check these files only read them.

Markers (registered in pyproject.toml): `keras` (the heavy stack), `slow` (processes), `browser`
(headless Chromium). `pytest -m "not keras and not slow and not browser"` is the fast tier."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

# The tests run torch on the CPU only. Triton, torch's GPU kernel compiler, which transformers
# imports through torch._dynamo, crashes (SIGSEGV) a process that already holds TensorFlow, as an
# xdist worker does after a Keras test: hidden, torch reports it absent and never loads it.
sys.modules["triton"] = None  # type: ignore[assignment]

from tests import tiny_models  # noqa: E402  (after the guard above, as every test import is)

FLAVOURS = ("keras3", "keras2")


def _module_and_formats(flavour: str) -> tuple[Any, tuple[str, ...]]:
    if flavour == "keras3":
        return tiny_models.keras3(), tiny_models.KERAS3_FORMATS
    return tiny_models.tf_keras(), tiny_models.TF_KERAS_FORMATS


@pytest.fixture(scope="session")
def tiny_convnets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """tiny_models.convnet saved by both flavours in every format: "paths" by "flavour.fmt",
    "configs" (each flavour's model.to_json()) and "params", Keras' count."""
    directory = tmp_path_factory.mktemp("convnets")
    paths: dict[str, Path] = {}
    configs: dict[str, Any] = {}
    counts = set()
    for flavour in FLAVOURS:
        module, formats = _module_and_formats(flavour)
        model = tiny_models.convnet(module)
        counts.add(model.count_params())
        configs[flavour] = json.loads(model.to_json())
        saved = tiny_models.save(model, directory, f"convnet-{flavour}", formats)
        paths.update({f"{flavour}.{fmt}": path for fmt, path in saved.items()})
    (params,) = counts  # both flavours build the same architecture
    return {"paths": paths, "configs": configs, "params": params}


@pytest.fixture(scope="session")
def tiny_lambdas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Models whose Lambda creates "marker" if its code ever runs. Keras runs it to build the
    model, so the marker is deleted after saving, before energy-lint sees the files."""
    directory = tmp_path_factory.mktemp("lambdas")
    marker = directory / "lambda-code-ran"
    paths: dict[str, Path] = {}
    configs: dict[str, Any] = {}
    for flavour in FLAVOURS:
        module, formats = _module_and_formats(flavour)
        model = tiny_models.lambda_model(module, marker)
        configs[flavour] = json.loads(model.to_json())
        saved = tiny_models.save(model, directory, f"lambda-{flavour}", formats)
        paths.update({f"{flavour}.{fmt}": path for fmt, path in saved.items()})
        assert marker.exists()  # the trap works: Keras ran the code once, building the model
        marker.unlink()
    return {"paths": paths, "configs": configs, "marker": marker, "params": model.count_params()}


@pytest.fixture(scope="session")
def tiny_mlp(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """tiny_models.mlp as Keras 3 .keras, .h5 and .json, and its weights alone ("weights")."""
    directory = tmp_path_factory.mktemp("mlp")
    model = tiny_models.mlp(tiny_models.keras3())
    paths = tiny_models.save(model, directory, "mlp", tiny_models.KERAS3_FORMATS)
    paths["weights"] = tiny_models.save_weights(model, directory / "mlp.weights.h5")
    return paths
