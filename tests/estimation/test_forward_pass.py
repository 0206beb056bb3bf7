"""Pricing layer by layer: which predictor prices a layer whose family the profile has no
predictor for."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from energy_lint.estimation.families import family_of
from energy_lint.estimation.features import AFTER_MATMUL, COMMON, TRAFFIC_FAMILIES, node_features
from energy_lint.estimation.forward_pass import Pricing, price_layers, step_of
from energy_lint.estimation.fusion import FUSED, MIN_ROWS, FusionTable, observed_contexts
from energy_lint.estimation.prior import MODEL_TRAFFIC
from energy_lint.estimation.profile import (
    MIN_KEPT,
    FamilyPredictor,
    HardwareProfile,
    find_profile,
    load_profile,
)
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


def conv_relu_relu(path: Path) -> Path:
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
    return save(graph, path)


def priced_by_name(path: Path, profile: HardwareProfile) -> dict:
    return {layer.name: layer for layer in price_layers(read_model(path).layers, profile)}


def test_without_a_fusion_table_a_relu_right_after_a_conv_takes_its_sides_fused_share(tmp_path: Path) -> None:
    """Conv -> Relu -> Relu, a profile whose families carry their own shares (no table): the two
    ReLUs are the same call, each priced with its own side's share."""
    nodes = read_model(conv_relu_relu(tmp_path / "c.onnx")).layers
    names = node_features(next(n for n in nodes if n.type == "Relu")).names
    activation = constant(0.01, names, "activation")
    activation.fused_share, activation.fused_share_after = 0.2, 0.9
    profile = HardwareProfile(Path("."), {}, {"activation": activation}, constant(5.0, COMMON, "generic"))
    layers = priced_by_name(tmp_path / "c.onnx", profile)
    first, second = layers["first"], layers["second"]
    assert (first.features[AFTER_MATMUL], second.features[AFTER_MATMUL]) == (1.0, 0.0)
    assert FUSED not in first.features
    assert (first.energy_j, second.energy_j) == (pytest.approx(0.001), pytest.approx(0.008))


def test_a_fusion_table_prices_each_layer_by_the_chain_it_joins(tmp_path: Path) -> None:
    """With the profile's table, the first ReLU joins the Conv's kernel and costs (nearly)
    nothing; the second starts a kernel of its own, whatever the family's own shares say."""
    conv_relu_relu(tmp_path / "c.onnx")
    nodes = read_model(tmp_path / "c.onnx").layers
    conv, relu = (
        step_of(n, family_of(n.priced_as)) for n in nodes if n.type in ("Conv", "Relu") and n.name != "second"
    )
    table = FusionTable.fit(
        [
            (keys, fused)
            for _ in range(MIN_ROWS)
            for keys, fused in zip(
                observed_contexts([conv, relu, relu], [False, True, False]), [False, True, False]
            )
        ]
    )
    activation = constant(0.01, node_features(nodes[-1]).names, "activation")
    activation.fused_share = 0.5  # read only without a table
    generic = constant(5.0, COMMON, "generic")
    profile = HardwareProfile(Path("."), {}, {"activation": activation}, generic, fusion=table)
    layers = priced_by_name(tmp_path / "c.onnx", profile)
    first, second = layers["first"], layers["second"]
    assert (first.features[FUSED], second.features[FUSED]) == (1.0, 0.0)
    assert first.energy_j == pytest.approx(0.01 * MIN_KEPT)
    assert second.energy_j == pytest.approx(0.01)


def test_the_bundled_onnxruntime_profile_knows_a_relu_right_after_a_conv_is_fused(tmp_path: Path) -> None:
    """onnxruntime ran nearly every ReLU right after a Conv inside it (benchmarks/fused_after_matmul.py)."""
    profile = load_profile(find_profile("cpu-epyc-2core-ort"))
    assert profile.fusion is not None
    layers = priced_by_name(conv_relu_relu(tmp_path / "c.onnx"), profile)
    assert layers["first"].features[FUSED] > 0.9
