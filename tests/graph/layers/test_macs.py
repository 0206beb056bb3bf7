"""MACs checked against Keras' own weights, independently of energy-lint's formulas: a
convolution or dense kernel does one multiply-accumulate per weight per output position (per
input position for a transposed convolution), a recurrent layer one per kernel weight per step."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from energy_lint.graph import read_model
from tests.keras_models import ZOO, keras_module, save

pytestmark = pytest.mark.keras

_KERNELS = ("kernel", "depthwise_kernel", "pointwise_kernel", "recurrent_kernel")


def _kernel_weights(layer: Any) -> int:
    return sum(math.prod(w.shape) for w in layer.weights if w.name.split("/")[-1].split(":")[0] in _KERNELS)


def _positions(shape: tuple, channels_first: bool) -> int:
    return math.prod(shape[2:] if channels_first else shape[1:-1])


def expected_macs(layer: Any) -> int | None:
    """MACs per sample from the layer's weights and shapes, or None for other layer kinds."""
    kind = type(layer).__name__
    channels_first = getattr(layer, "data_format", "channels_last") == "channels_first"
    if kind in ("LSTM", "GRU", "SimpleRNN"):
        sequence = layer.input[0] if isinstance(layer.input, list) else layer.input
        return sequence.shape[1] * _kernel_weights(layer)
    if kind.startswith(("Conv", "DepthwiseConv", "SeparableConv")) and "Transpose" in kind:
        return _kernel_weights(layer) * _positions(tuple(layer.input.shape), channels_first)
    if kind.startswith(("Conv", "DepthwiseConv", "SeparableConv")) and "LSTM" not in kind:
        return _kernel_weights(layer) * _positions(tuple(layer.output.shape), channels_first)
    if kind == "Dense":
        return _kernel_weights(layer) * math.prod(layer.output.shape[1:-1])
    return None


def _check(model: Any, path: Path) -> int:
    graph = read_model(path)
    ours = {layer.name: layer.macs for layer in graph.layers}
    checked = 0
    for layer in model.layers:
        expected = expected_macs(layer)
        if expected is not None:
            assert ours[layer.name] == expected, layer.name
            checked += 1
    return checked


@pytest.mark.parametrize(
    "builder",
    ["dense_mlp", "conv1d_net", "conv2d_net", "conv3d_net", "channels_first_net", "embedding_rnn_net"],
)
def test_macs_follow_kernel_weights_in_zoo(builder: str, tmp_path: Path) -> None:
    keras = keras_module("keras3")
    model = ZOO[builder](keras)
    assert _check(model, save(model, tmp_path, builder, "json")) > 0


@pytest.mark.parametrize("name", ["ResNet50", "MobileNetV2", "EfficientNetB0", "Xception"])
def test_macs_follow_kernel_weights_in_applications(name: str, tmp_path: Path) -> None:
    keras = keras_module("keras3")
    model = getattr(keras.applications, name)(weights=None)
    checked = _check(model, save(model, tmp_path, name, "json"))
    assert checked >= 20
    keras.backend.clear_session()


def test_element_wise_layers_count_no_macs() -> None:
    graph = read_model(Path(__file__).parents[3] / "examples" / "resnet50.json")
    zero = {"Activation", "BatchNormalization", "Add", "MaxPooling2D", "ZeroPadding2D", "InputLayer"}
    assert {layer.type for layer in graph.layers if layer.type in zero} == zero
    assert all(layer.macs == 0 for layer in graph.layers if layer.type in zero)
    assert graph.macs == sum(layer.macs for layer in graph.layers if layer.type in ("Conv2D", "Dense"))
