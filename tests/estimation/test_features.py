"""Features: one computation for a layer read from a model and for a measured CSV row."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import pytest

from energy_lint.calibration.suite import clean_config
from energy_lint.errors import EnergyLintError
from energy_lint.estimation.families import FREE, GENERIC, family_of
from energy_lint.estimation.features import COMMON, layer_features, node_features, row_features
from energy_lint.graph import LayerNode, read_model

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


def _node(kind: str, config: dict, inputs: list, outputs: list) -> LayerNode:
    return LayerNode("layer", kind, config, [], inputs, outputs, params=10, macs=100)


CONV = ("Conv2D", [(1, 8, 8, 4)], [(1, 6, 6, 8)])
ATTENTION = ("MultiHeadAttention", [(1, 5, 8), (1, 5, 8)], [(1, 5, 8)])
BIDIRECTIONAL = ("Bidirectional", [(1, 5, 8)], [(1, 5, 8)])


@pytest.mark.parametrize(
    ("layer", "config", "expected"),
    [
        (CONV, {"kernel_size": 3, "groups": "2"}, "config 'groups' must be an integer, got '2'"),
        (CONV, {"kernel_size": 3, "groups": [2]}, "config 'groups' must be an integer, got [2]"),
        (CONV, {"kernel_size": 3, "groups": math.nan}, "config 'groups' must be an integer, got nan"),
        (CONV, {"kernel_size": ["3", 3]}, "config 'kernel_size' must be an integer, got '3'"),
        (
            CONV,
            {"kernel_size": 3, "strides": 10**400},
            "config 'strides' must be between 1 and 2147483647, got an integer of about 401 digits",
        ),
        (ATTENTION, {"num_heads": "2"}, "config 'num_heads' must be an integer, got '2'"),
        (ATTENTION, {"num_heads": math.inf}, "config 'num_heads' must be an integer, got inf"),
        (BIDIRECTIONAL, {"layer": {"config": {"units": [4]}}}, "config 'units' must be an integer, got [4]"),
    ],
)
def test_a_config_value_features_read_is_validated(layer: tuple, config: dict, expected: str) -> None:
    """features.py reads values the layer's spec may not (groups of any conv, the heads, a
    wrapped layer's units): a string, a list, a NaN or a huge integer is that layer's one-line
    error, not float("2") taken silently, a NaN fed to the trees, or a TypeError."""
    kind, inputs, outputs = layer
    with pytest.raises(EnergyLintError) as caught:
        node_features(_node(kind, config, inputs, outputs))
    assert str(caught.value) == f"layer 'layer' ({kind}): {expected}"


def test_an_operation_on_scalars_has_features() -> None:
    """An operation may take and give rank-0 tensors (a full reduction): one element, batch 1."""
    features = node_features(LayerNode("sum", "Sum", {"axis": None}, [], [()], [()], operation=True))
    assert features.as_dict()["log_input_elements"] == math.log1p(1)


def test_a_grouped_convolution_counts_its_kernel_taps_and_an_int_kernel_spans_every_axis() -> None:
    """A 3x3 Conv2D over a 32x32x64 map in 8 groups: 32*32 positions x 64 filters x 9 taps =
    589,824 kernel taps, each summing 8 channels; an ungrouped one has no tap bound (0), nor has
    a DepthwiseConv2D, which runs its own kernel."""
    grouped = layer_features(
        "Conv2D", {"filters": 64, "kernel_size": 3, "groups": 8, "padding": "same"}, [(1, 32, 32, 64)]
    )
    values = grouped.as_dict()
    assert values["kernel_volume"] == 9.0
    assert math.expm1(values["log_taps"]) == pytest.approx(589_824)
    assert math.expm1(values["log_channels_per_group"]) == pytest.approx(8.0)
    assert math.expm1(values["log_macs"]) == pytest.approx(8 * 589_824)
    dense = layer_features(
        "Conv2D", {"filters": 64, "kernel_size": [3, 3], "padding": "same"}, [(1, 32, 32, 64)]
    )
    assert dense.as_dict()["log_taps"] == 0.0
    assert dense.names == grouped.names
    depthwise = layer_features(
        "DepthwiseConv2D", {"kernel_size": [3, 3], "padding": "same"}, [(1, 32, 32, 64)]
    )
    assert depthwise.as_dict()["log_taps"] == 0.0  # its own kernel, not a grouped conv's


def test_a_row_with_the_readers_counts_uses_them_and_refuses_counts_that_are_not() -> None:
    row = {
        "layer_class": "Conv2D",
        "layer_config": {
            "filters": 8,
            "kernel_size": [3, 3],
            "pads": [1, 1, 1, 1],
            "data_format": "channels_first",
        },
        "input_shape": [2, 3, 32, 32],
        "output_shape": [2, 8, 32, 32],
        "macs": "221184",
        "params": "224",
    }
    values = row_features(row).as_dict()
    assert math.expm1(values["log_macs"]) == pytest.approx(2 * 221184)  # per sample, times the batch
    assert math.expm1(values["log_output_elements"]) == pytest.approx(2 * 8 * 32 * 32)
    assert math.expm1(values["log_params"]) == pytest.approx(224)
    with pytest.raises(ValueError, match="macs and params must be counts"):
        row_features({**row, "macs": "nan"})


@pytest.mark.parametrize(
    ("channels", "filters", "alignment"),
    [(64, 64, 6), (174, 174, 1), (176, 176, 4), (3, 32, 0), (512, 1024, 6)],
)
def test_a_convolution_knows_how_its_channels_fill_a_blocked_layout(
    channels: int, filters: int, alignment: float
) -> None:
    """log2 of the largest power of two (up to 64) dividing both channel counts: 174 channels fill
    blocks of 2, 176 blocks of 16. The same for a depthwise layer, whose channels are its filters."""
    conv = layer_features("Conv2D", {"filters": filters, "kernel_size": 3}, [(1, 8, 8, channels)])
    assert conv.as_dict()["log2_channel_alignment"] == alignment
    if channels == filters:
        depthwise = layer_features("DepthwiseConv2D", {"kernel_size": 3}, [(1, 8, 8, channels)])
        assert depthwise.as_dict()["log2_channel_alignment"] == alignment
