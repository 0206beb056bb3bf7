"""Pricing layer by layer: which predictor prices a layer whose family the profile has no
predictor for."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from energy_lint.estimation.features import AFTER_MATMUL, COMMON, TRAFFIC_FAMILIES, node_features
from energy_lint.estimation.forward_pass import Pricing, price_layers
from energy_lint.estimation.prior import MODEL_TRAFFIC
from energy_lint.estimation.profile import FamilyPredictor, HardwareProfile, find_profile, load_profile
from energy_lint.estimation.trees import TreeEnsemble
from energy_lint.graph import read_model

DECODER = Path(__file__).resolve().parents[2] / "calibration" / "models" / "conv_decoder.json"


def constant(joules: float, names: tuple[str, ...], family: str) -> FamilyPredictor:
    return FamilyPredictor(family, names, TreeEnsemble.constant(math.log(joules), len(names)), (0.0, 0.0), {})


def test_a_transposed_convolution_is_priced_by_the_convolutions_before_the_generic_predictor() -> None:
    graph = read_model(DECODER, 1)
    conv = next(node for node in graph.layers if node.type == "Conv2D")
    conv_names = node_features(conv).names
    with_conv = HardwareProfile(
        Path("."), {}, {"conv": constant(0.02, conv_names, "conv")}, constant(5.0, COMMON, "generic")
    )
    layers = price_layers(graph.layers, with_conv)
    transposed = [layer for layer in layers if layer.type == "Conv2DTranspose"]
    assert len(transposed) == 4
    for layer in transposed:
        assert layer.pricing is Pricing.RELATED and layer.priced_by == "conv" and layer.priced
        assert layer.energy_j == pytest.approx(0.02) and layer.predictor == "conv (related)"
    norm = next(layer for layer in layers if layer.type == "BatchNormalization")
    assert norm.pricing is Pricing.GENERIC and norm.energy_j == pytest.approx(5.0)
    # Without a conv predictor the transposed convolutions fall to the generic one.
    generic_only = HardwareProfile(Path("."), {}, {}, constant(5.0, COMMON, "generic"))
    for layer in price_layers(graph.layers, generic_only):
        if layer.type == "Conv2DTranspose":
            assert layer.pricing is Pricing.GENERIC and layer.energy_j == pytest.approx(5.0)


def test_layers_that_read_the_models_traffic_see_what_its_whole_pass_moves() -> None:
    """A dense layer's weights survive in cache from pass to pass only if the whole pass is
    small: the traffic feature is every priced layer's bytes, the same for each layer that reads
    it, and absent where the family does not read it (a convolution)."""
    graph = read_model(Path(__file__).resolve().parents[2] / "examples" / "resnet50.json")
    profile = load_profile(find_profile("cpu-epyc-2core-ort"))
    layers = price_layers(graph.layers, profile)
    priced = [layer for layer in layers if layer.features]
    total = sum(math.expm1(layer.features["log_bytes"]) for layer in layers if layer.features)
    carried = {layer.family: layer.features.get(MODEL_TRAFFIC) for layer in priced}
    assert carried["conv"] is None
    assert {family for family, value in carried.items() if value is not None} == set(TRAFFIC_FAMILIES)
    readers = {layer.features[MODEL_TRAFFIC] for layer in priced if layer.family in TRAFFIC_FAMILIES}
    assert {layer.family for layer in priced} >= {"dense", "activation", "elementwise", "normalization"}
    assert len(readers) == 1
    assert readers.pop() == pytest.approx(math.log1p(total))
    assert total > 100 * 2**20  # ResNet50's activations at 224 x 224: far more than its weights


def test_a_relu_right_after_a_conv_takes_the_fused_share_of_that_side(tmp_path: Path) -> None:
    """Conv -> Relu -> Relu: the two ReLUs are the same call, but onnxruntime fuses the first into
    the Conv nearly always and the second seldom; each is priced with its own side's share."""
    from tests.graph.onnx.builders import FLOAT, helper, save, weight

    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
            helper.make_node("Relu", ["c"], ["r1"], name="first"),
            helper.make_node("Relu", ["r1"], ["r2"], name="second"),
        ],
        "conv",
        [helper.make_tensor_value_info("x", FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("r2", FLOAT, None)],
        [weight("w", 8, 3, 3, 3), weight("b", 8)],
    )
    profile = load_profile(find_profile("cpu-epyc-2core-ort"))
    activation = profile.families["activation"]
    assert activation.fused_share_after is not None
    layers = {
        layer.name: layer
        for layer in price_layers(read_model(save(graph, tmp_path / "c.onnx")).layers, profile)
    }
    first, second = layers["first"], layers["second"]
    assert (first.features[AFTER_MATMUL], second.features[AFTER_MATMUL]) == (1.0, 0.0)
    expected = (1 - activation.fused_share_after) / (1 - activation.fused_share)
    assert first.energy_j / second.energy_j == pytest.approx(expected)
    assert first.energy_j < second.energy_j
