"""Fusion read off the layer order: each layer sees the chain of layers fused so far into the
kernel before it, and a table of fused shares by context backs off to the family alone."""

from __future__ import annotations

import pytest

from energy_lint.estimation.fusion import (
    LEVELS,
    MIN_ROWS,
    FusionTable,
    Step,
    context_keys,
    layer_kind,
    observed_contexts,
)

DENSE, BIAS, RELU, GELU = (
    Step("Dense", "dense", 2),
    Step("Add", "elementwise", 2),
    Step("Activation:relu", "activation", 2),
    Step("Activation:gelu", "activation", 2),
)


def test_a_kind_names_the_activation_function_and_a_second_tensor_input() -> None:
    assert layer_kind("Activation", {"activation": "relu"}, 1) == "Activation:relu"
    assert layer_kind("Add", {}, 1) == "Add"  # a bias Add reads one tensor and a constant
    assert layer_kind("Add", {}, 2) == "Add*2"  # a residual Add reads two
    assert layer_kind("Dense", {"activation": "relu"}, 1) == "Dense"


def test_keys_go_from_the_chain_of_kinds_to_the_family_alone() -> None:
    keys = context_keys(RELU, (DENSE, BIAS))
    assert len(keys) == len(LEVELS)
    assert keys[0] == "0|Activation:relu|Dense+Add|2"
    assert keys[3] == "3|activation|dense+elementwise"
    assert keys[4] == "4|activation|dense"
    assert keys[-1] == f"{len(LEVELS) - 1}|activation"
    assert context_keys(DENSE, ())[0] == "0|Dense|^|2"


def test_measured_chains_grow_while_layers_have_no_time_of_their_own() -> None:
    keys = observed_contexts([DENSE, BIAS, RELU, RELU], [False, True, True, False])
    chains = [k[0].split("|")[2] for k in keys]
    assert chains == ["^", "Dense", "Dense+Add", "Dense+Add+Activation:relu"]
    keys = observed_contexts([DENSE, BIAS, RELU], [False, False, True])
    assert keys[2][0] == "0|Activation:relu|Add|2"  # the Add ran alone: the ReLU joins the Add


def example(steps: list[Step], fused: list[bool], copies: int) -> list[tuple[list[str], bool]]:
    return [pair for _ in range(copies) for pair in zip(observed_contexts(steps, fused), fused, strict=True)]


def test_a_relu_after_a_fused_bias_add_is_fused_a_gelu_is_not() -> None:
    """onnxruntime runs MatMul + bias Add + ReLU as one FusedGemm, but not with a GELU: the table
    learns it from the chain, and the walk rebuilds the chain from its own judgements."""
    examples = example([DENSE, BIAS, RELU], [False, True, True], MIN_ROWS)
    examples += example([DENSE, BIAS, GELU], [False, True, False], MIN_ROWS)
    table = FusionTable.fit(examples)
    assert table.predict([DENSE, BIAS, RELU]) == [0.0, 1.0, 1.0]
    assert table.predict([DENSE, BIAS, GELU]) == [0.0, 1.0, 0.0]
    assert table.predict([DENSE, BIAS, RELU, RELU])[3] == pytest.approx(0.5)  # unseen: family share


def test_rare_contexts_back_off_and_keys_that_add_nothing_are_left_out() -> None:
    few = example([DENSE, BIAS, RELU], [False, True, True], MIN_ROWS - 1)
    table = FusionTable.fit(
        few + example([DENSE, BIAS], [False, True], MIN_ROWS) + example([RELU], [False], 2 * MIN_ROWS)
    )
    assert not any(key.startswith(("0|Activation:relu|Dense", "0|Add")) for key in table.shares)
    family_share = (MIN_ROWS - 1) / (3 * MIN_ROWS - 1)  # the ReLUs: fused after the Add only
    assert table.predict([DENSE, BIAS, RELU]) == [0.0, 1.0, pytest.approx(family_share)]
    same = FusionTable.fit(example([DENSE, BIAS], [False, True], MIN_ROWS))
    assert same.shares == {"5|dense": 0.0, "5|elementwise": 1.0}
    assert same.default == pytest.approx(0.5)


def test_a_table_survives_its_round_trip_and_refuses_what_it_cannot_read() -> None:
    table = FusionTable.fit(example([DENSE, BIAS, RELU], [False, True, True], MIN_ROWS))
    assert FusionTable.from_dict(table.to_dict()) == table
    assert FusionTable.from_dict(None) is None
    with pytest.raises(ValueError, match="other context levels"):
        FusionTable.from_dict({**table.to_dict(), "levels": [["family"]]})
    with pytest.raises(ValueError, match="outside"):
        FusionTable.from_dict({**table.to_dict(), "shares": {"5|dense": 1.5}})
