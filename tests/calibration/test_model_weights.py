"""The weights of the run a measured row ran in, summed as check sums a graph's params."""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

from energy_lint.calibration import model_weights
from energy_lint.estimation.features import MODEL_PARAMS, MODEL_WEIGHTS, row_features
from energy_lint.estimation.forward_pass import price_layers
from energy_lint.estimation.profile import find_profile, load_profile
from energy_lint.graph import read_model

from ..graph.onnx.builders import FLOAT, helper, save, weight

CAMPAIGN = Path(__file__).parents[2] / "calibration" / "cpu-epyc-2core-ort" / "measurements.csv"


def _mlp(path: Path, widths: tuple[int, ...]) -> Path:
    nodes, weights, x = [], [], "x"
    for i, (a, b) in enumerate(itertools.pairwise(widths)):
        nodes.append(helper.make_node("Gemm", [x, f"w{i}", f"b{i}"], [f"y{i}"]))
        weights += [weight(f"w{i}", a, b), weight(f"b{i}", b)]
        x = f"y{i}"
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", FLOAT, [1, widths[0]])],
        [helper.make_tensor_value_info(x, FLOAT, None)], weights,
    )  # fmt: skip
    return save(graph, path)


def test_every_layer_row_of_a_run_carries_the_runs_params_and_a_lone_layer_none() -> None:
    rows = [
        {"layer_class": "Dense", "model": "m", "batch_size": "1", "params": "10", "case_key": "k"},
        {"layer_class": "Dense", "model": "m", "batch_size": "1", "params": "5", "case_key": "k"},
        {"layer_class": "Dense", "model": "m", "batch_size": "8", "params": "10", "case_key": "k"},
        {"layer_class": "Dense", "model": "m", "batch_size": "1", "params": "7", "case_key": "k|decode@64"},
        {"layer_class": "Dense", "model": "", "batch_size": "1", "params": "3", "case_key": "alone"},
    ]
    model_weights.annotate(rows)
    assert [row.get(MODEL_PARAMS) for row in rows] == [15, 15, 10, 7, None]


def test_a_measured_row_and_the_checked_model_have_the_same_model_weights_feature(tmp_path: Path) -> None:
    """check sums the graph's params; calibration sums the params column of the run's rows."""
    with CAMPAIGN.open(newline="") as handle:
        rows = [
            row
            for row in csv.DictReader(handle)
            if row["model"] == "torch-mlp-0006" and row["batch_size"] == "1"
        ]
    model_weights.annotate(rows)
    dense = next(row for row in rows if row["layer_class"] == "Dense")
    from_row = row_features(dense).as_dict()[MODEL_WEIGHTS]
    total = sum(int(row["params"]) for row in rows if row["layer_class"] != "Model" and row["params"])
    assert math.isclose(from_row, math.log1p(4 * total))
    graph = read_model(_mlp(tmp_path / "mlp.onnx", (2434, 102, 156)))
    assert graph.params == total  # the campaign's torch-mlp-0006: 2,434 -> 102 -> 156
    profile = load_profile(find_profile("cpu-epyc-2core-ort"))
    priced = [layer for layer in price_layers(graph.layers, profile) if layer.family == "dense"]
    assert {layer.features[MODEL_WEIGHTS] for layer in priced} == {from_row}
