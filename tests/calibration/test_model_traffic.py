"""The traffic of the run a measured row ran in, summed as check sums a graph's layers."""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

from pytest import approx

from energy_lint.calibration import model_traffic
from energy_lint.estimation.features import MODEL_BYTES_MOVED, row_features
from energy_lint.estimation.forward_pass import price_layers
from energy_lint.estimation.prior import MODEL_TRAFFIC
from energy_lint.estimation.profile import find_profile, load_profile
from energy_lint.graph import read_model

from ..graph.onnx.builders import FLOAT, helper, save, weight
from ..graph.onnx.test_activations import scalar

CAMPAIGN = Path(__file__).parents[2] / "calibration" / "cpu-epyc-2core-ort" / "measurements.csv"


def _mlp(path: Path, widths: tuple[int, ...]) -> Path:
    """Gemms with a GELU written out op by op between them, as torch exports nn.GELU."""
    nodes, weights, x = [], [scalar("sqrt2", 2**0.5), scalar("one", 1.0), scalar("half", 0.5)], "x"
    for i, (a, b) in enumerate(itertools.pairwise(widths)):
        if i:
            nodes += [
                helper.make_node("Div", [x, "sqrt2"], [f"d{i}"]),
                helper.make_node("Erf", [f"d{i}"], [f"e{i}"]),
                helper.make_node("Add", [f"e{i}", "one"], [f"a{i}"]),
                helper.make_node("Mul", [x, f"a{i}"], [f"m{i}"]),
                helper.make_node("Mul", [f"m{i}", "half"], [f"g{i}"]),
            ]
            x = f"g{i}"
        nodes.append(helper.make_node("Gemm", [x, f"w{i}", f"b{i}"], [f"y{i}"]))
        weights += [weight(f"w{i}", a, b), weight(f"b{i}", b)]
        x = f"y{i}"
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", FLOAT, [1, widths[0]])],
        [helper.make_tensor_value_info(x, FLOAT, None)], weights,
    )  # fmt: skip
    return save(graph, path)


def _dense(width: int, units: int, batch: str, model: str, case: str = "k") -> dict[str, str]:
    return {
        "layer_class": "Dense",
        "layer_config": f'{{"units": {units}}}',
        "input_shape": f"[{batch}, {width}]",
        "model": model,
        "batch_size": batch,
        "case_key": case,
    }


def test_every_layer_row_of_a_run_carries_the_bytes_its_run_moves_and_a_lone_layer_none() -> None:
    rows = [
        _dense(10, 4, "1", "m"),
        _dense(4, 2, "1", "m"),
        {"layer_class": "Dropout", "layer_config": "{}", "input_shape": "[1, 2]", "model": "m",
         "batch_size": "1", "case_key": "k"},
        _dense(10, 4, "8", "m"),
        _dense(4, 2, "1", "m", "k|decode@64"),
        _dense(4, 2, "1", ""),
        {"layer_class": "NoSuchLayer", "layer_config": "{}", "input_shape": "[1, 2]", "model": "n",
         "batch_size": "1", "case_key": "k"},
    ]  # fmt: skip
    model_traffic.annotate(rows)
    # Dense 10 -> 4: 10 in, 4 out, 44 weights; 4 -> 2: 4 in, 2 out, 10 weights; four bytes each.
    # The Dropout is free (no bytes); an unreadable row adds nothing.
    assert [row.get(MODEL_BYTES_MOVED) for row in rows] == [
        approx(4 * (58 + 16)), approx(4 * (58 + 16)), approx(4 * (58 + 16)),
        approx(4 * (80 + 32 + 44)), approx(4 * 16), None, 0.0,
    ]  # fmt: skip


def test_a_measured_row_and_the_checked_model_have_the_same_model_traffic_feature(tmp_path: Path) -> None:
    """check sums the bytes of the graph's layers; calibration the bytes of the run's rows."""
    with CAMPAIGN.open(newline="") as handle:
        rows = [
            row
            for row in csv.DictReader(handle)
            if row["model"] == "torch-mlp-0006" and row["batch_size"] == "1"
        ]
    model_traffic.annotate(rows)
    dense = next(row for row in rows if row["layer_class"] == "Dense")
    from_row = row_features(dense).as_dict()[MODEL_TRAFFIC]
    graph = read_model(_mlp(tmp_path / "mlp.onnx", (2434, 102, 156)))
    total = sum(int(row["params"]) for row in rows if row["layer_class"] != "Model" and row["params"])
    assert graph.params == total  # the campaign's torch-mlp-0006: 2,434 -> 102 -> GELU -> 156
    profile = load_profile(find_profile("cpu-epyc-2core-ort"))
    priced = [layer for layer in price_layers(graph.layers, profile) if layer.family == "dense"]
    # Inputs, outputs and the GELU move bytes too: the traffic is more than the weights.
    assert from_row > math.log1p(4 * total)
    assert {layer.features[MODEL_TRAFFIC] for layer in priced} == {from_row}
