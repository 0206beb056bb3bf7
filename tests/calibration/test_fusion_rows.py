"""A campaign's in-context rows as fusion steps: read as check reads the same graph's nodes,
with the chains the runtime built (a row with no time of its own joined the kernel before it)."""

from __future__ import annotations

from pathlib import Path

from energy_lint.calibration.fusion_rows import fusion_examples, row_step
from energy_lint.estimation.families import FREE, family_of
from energy_lint.estimation.forward_pass import step_of
from energy_lint.estimation.fusion import Step
from energy_lint.graph import read_model


def test_a_row_reads_as_the_node_it_was_written_from(tmp_path: Path) -> None:
    """Contract 3's input_shape: one list for one input, a list of lists for several (a residual
    Add): the kind and rank come out the same on both sides."""
    from tests.graph.onnx.builders import FLOAT, helper, save, weight

    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
            helper.make_node("Add", ["c", "x8"], ["s"]),
            helper.make_node("Relu", ["s"], ["r"]),
            helper.make_node("Flatten", ["r"], ["f"]),
            helper.make_node("MatMul", ["f", "m"], ["d"]),
            helper.make_node("Add", ["d", "bias"], ["y"]),
        ],
        "residual",
        [
            helper.make_tensor_value_info("x", FLOAT, [1, 3, 4, 4]),
            helper.make_tensor_value_info("x8", FLOAT, [1, 8, 4, 4]),
        ],
        [helper.make_tensor_value_info("y", FLOAT, None)],
        [weight("w", 8, 3, 3, 3), weight("b", 8), weight("m", 128, 5), weight("bias", 5)],
    )
    nodes = read_model(save(graph, tmp_path / "r.onnx")).layers
    compared = []
    for node in nodes:
        family = family_of(node.priced_as, node.operation)
        if family == FREE:
            continue
        shapes = [list(s) for s in node.input_shapes]
        row = {
            "layer_class": node.priced_as,
            "layer_config": node.config,
            "input_shape": shapes[0] if len(shapes) == 1 else shapes,
            "family": family,
        }
        assert row_step(row) == step_of(node, family)
        compared.append(row_step(row).kind)
    assert compared == ["Conv2D", "Add*2", "Activation:relu", "Flatten", "Dense", "Add"]


def row(layer_class: str, energy: float, model: str = "m", batch: str = "1", **extra: object) -> dict:
    return {
        "layer_class": layer_class,
        "layer_config": extra.get("config", {}),
        "input_shape": [1, 8],
        "energy_j": energy,
        "model": model,
        "batch_size": batch,
        "case_key": "k",
        "context": extra.get("context", "in-model"),
    }


def test_each_run_keeps_its_own_chain_and_only_in_context_layers_count() -> None:
    relu = {"config": {"activation": "relu"}}
    rows = [
        row("Dense", 1.0),
        row("Dense", 1.0, batch="8"),
        row("Identity", 0.0),  # a Cast: free, runs no kernel
        row("Add", 0.0),
        row("Activation", 0.0, **relu),
        row("Activation", 0.0, batch="8", **relu),
        row("Activation", 1.0, **relu),
        row("Model", 3.0),
        row("Dense", 1.0, model="", context=""),  # measured alone: no run
    ]
    examples = {index: (keys[0], fused) for index, keys, fused in fusion_examples(rows)}
    assert sorted(examples) == [0, 1, 3, 4, 5, 6]
    assert examples[3] == ("0|Add|Dense|2", True)
    assert examples[4] == ("0|Activation:relu|Dense+Add|2", True)
    assert examples[5] == ("0|Activation:relu|Dense|2", True)  # batch 8's run: after its own Dense
    assert examples[6] == ("0|Activation:relu|Dense+Add+Activation:relu|2", False)


def test_json_columns_read_the_same_decoded_or_as_written() -> None:
    """A CSV read with the csv module alone leaves JSON columns as text: the step is the same."""
    import json

    decoded = {
        "layer_class": "Activation",
        "layer_config": {"activation": "relu"},
        "input_shape": [[1, 8], [1, 8]],
    }
    written = {key: json.dumps(value) if key != "layer_class" else value for key, value in decoded.items()}
    assert row_step(written) == row_step(decoded) == Step("Activation:relu*2", "activation", 2)
