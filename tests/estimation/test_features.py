"""Features: one computation for a layer read from a model and for a measured CSV row."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import pytest

from energy_lint.calibration.suite import clean_config
from energy_lint.estimation.families import FREE, GENERIC, family_of
from energy_lint.estimation.features import COMMON, layer_features, row_features
from energy_lint.graph import read_model

pytestmark = pytest.mark.keras

ROOT = Path(__file__).parents[2]
MODELS = sorted((ROOT / "examples").glob("*.json")) + sorted((ROOT / "calibration" / "models").glob("*.json"))


def measurable_nodes(batch: int):
    for path in MODELS:
        for node in read_model(path, batch_size=batch).layers:
            if family_of(node.type, node.operation) not in (FREE, GENERIC) and not node.operation:
                yield node


@pytest.mark.parametrize("batch", [1, 8])
def test_a_model_layer_and_its_csv_row_have_the_same_features(batch: int) -> None:
    names_by_family: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    checked = 0
    for node in measurable_nodes(batch):
        from_model = layer_features(node.type, node.config, node.input_shapes)
        shapes = [list(s) for s in node.input_shapes]
        row = {
            "layer_class": node.type,
            "layer_config": clean_config(node.config),  # what calibrate writes
            "input_shape": shapes[0] if len(shapes) == 1 else shapes,
        }
        assert row_features(row) == from_model, node.name
        assert from_model.names[: len(COMMON)] == COMMON
        assert from_model.as_dict()["log_macs"] == pytest.approx(math.log1p(node.macs * batch))
        names_by_family[from_model.family].add(from_model.names)
        checked += 1
    assert checked > 1000
    # every family has one fixed feature layout, whatever the layer class within it
    assert {family: len(names) for family, names in names_by_family.items()} == dict.fromkeys(
        names_by_family, 1
    )


def test_row_features_accept_json_text_as_read_from_csv() -> None:
    row = {
        "layer_class": "Conv2D",
        "layer_config": '{"filters": 8, "kernel_size": [3, 3]}',
        "input_shape": "[4, 32, 32, 3]",
    }
    features = row_features(row).as_dict()
    assert features["kernel_volume"] == 9
    assert features["log_macs"] == pytest.approx(math.log1p(4 * 30 * 30 * 8 * 9 * 3))
