"""The reader agrees with Keras itself: params equal count_params() exactly and every layer's
output shape equals Keras' own, for every keras.applications architecture and for a zoo of
models covering every supported layer family, in every file format, Keras 3 and tf.keras 2."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from energy_lint.graph import ModelGraph, read_model
from tests.keras_models import (
    FORMATS,
    KERAS3_ONLY,
    ZOO,
    application_names,
    keras_module,
    keras_output_shapes,
    keras_runtime_shapes,
    save,
)

pytestmark = pytest.mark.keras

_NESTED_REPEAT = re.compile(r"@\d+/")


def assert_matches_keras(graph: ModelGraph, model: Any, expected: dict | None = None) -> None:
    """Params exactly, and every layer's output shapes: Keras' symbolic ones unless `expected`
    (shapes from running the model) is given."""
    assert graph.unknown_layers == [], [layer.name for layer in graph.unknown_layers]
    assert graph.params == model.count_params()
    expected = expected if expected is not None else keras_output_shapes(model)
    ours = {
        layer.name: layer
        for layer in graph.layers
        if layer.type != "InputLayer"
        and not layer.operation  # keras.ops nodes are in the graph, not in model.layers
        and not _NESTED_REPEAT.search(layer.name)
    }
    assert sorted(ours) == sorted(expected)
    for name, shapes in expected.items():
        got = [shape[1:] for shape in ours[name].output_shapes]
        assert got == shapes, f"{name}: energy-lint {got}, keras {shapes}"
    assert [s[1:] for s in graph.input_shapes] == [tuple(t.shape)[1:] for t in model.inputs]


def check_all_formats(
    model: Any, flavour: str, directory: Path, stem: str, expected: dict | None = None
) -> None:
    for fmt in FORMATS[flavour]:
        path = save(model, directory, stem, fmt)
        try:
            assert_matches_keras(read_model(path), model, expected)
        finally:
            path.unlink()


APPLICATIONS = [(flavour, name) for flavour in FORMATS for name in application_names(flavour)]


@pytest.mark.parametrize(("flavour", "name"), APPLICATIONS, ids=[f"{f}-{n}" for f, n in APPLICATIONS])
def test_application(flavour: str, name: str, tmp_path: Path) -> None:
    k = keras_module(flavour)
    # MobileNetV3 leaves its input size open unless given one.
    kwargs = {"input_shape": (224, 224, 3)} if name.startswith("MobileNetV3") else {}
    model = getattr(k.applications, name)(weights=None, **kwargs)
    check_all_formats(model, flavour, tmp_path, name)
    k.backend.clear_session()


@pytest.mark.parametrize("flavour", ["keras3", "keras2"])
@pytest.mark.parametrize("builder", sorted(ZOO))
def test_zoo_model(builder: str, flavour: str, tmp_path: Path) -> None:
    if flavour == "keras2" and builder in KERAS3_ONLY:
        pytest.skip(f"{builder} uses layers tf.keras 2 does not have")
    k = keras_module(flavour)
    model = ZOO[builder](k)
    check_all_formats(model, flavour, tmp_path, builder, keras_runtime_shapes(model, flavour))


@pytest.mark.parametrize("flavour", ["keras3", "keras2"])
def test_headless_application_at_another_size(flavour: str, tmp_path: Path) -> None:
    """A model with None spatial dimensions, read at --input-shape, equals Keras built there."""
    k = keras_module(flavour)
    open_model = k.applications.ResNet50(weights=None, include_top=False, pooling="avg")
    sized = k.applications.ResNet50(weights=None, include_top=False, pooling="avg", input_shape=(160, 192, 3))
    for fmt in FORMATS[flavour]:
        path = save(open_model, tmp_path, "resnet_open", fmt)
        graph = read_model(path, batch_size=8, input_shapes=[(160, 192, 3)])
        assert graph.input_shapes == [(8, 160, 192, 3)]
        assert all(layer.output_shapes[0][0] == 8 for layer in graph.layers)
        assert_matches_keras(graph, sized)
