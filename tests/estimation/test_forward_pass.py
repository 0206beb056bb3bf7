"""Pricing layer by layer: which predictor prices a layer whose family the profile has no
predictor for."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from energy_lint.estimation.features import COMMON, node_features
from energy_lint.estimation.forward_pass import Pricing, price_layers
from energy_lint.estimation.profile import FamilyPredictor, HardwareProfile
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
