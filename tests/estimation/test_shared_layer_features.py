"""A shared layer's later calls carry params 0 in the graph (so that the model's params add up)
but are the same layer: their features must be the ones calibration measured for that layer
alone, through node_features (what the estimate calls), not only through layer_features."""

from __future__ import annotations

from pathlib import Path

from energy_lint.estimation.features import layer_features, node_features
from energy_lint.graph import read_model
from tests.graph.test_build import functional, layer, tensor, write


def test_a_shared_layers_later_call_has_the_features_of_the_layer(tmp_path: Path) -> None:
    dense = layer("Dense", "shared", {"units": 8}, [tensor("x", [None, 8])])
    dense["inbound_nodes"].append({"args": [tensor("shared", [None, 8])], "kwargs": {}})
    graph = read_model(write(tmp_path, functional([dense], [["x", 0, 0]], [["shared", 1, 0]])))
    first, later = graph.layers[1], graph.layers[2]
    assert (first.name, later.name) == ("shared", "shared@1")
    assert (first.params, later.params, graph.params) == (72, 0, 72)
    measured = layer_features("Dense", later.config, later.input_shapes)
    assert node_features(later).as_dict() == measured.as_dict()
    assert node_features(later).as_dict() == node_features(first).as_dict()
