"""A row's place in its run: right after a layer that multiplies by weights or not, read off the
order the run wrote its rows in, free rows skipped, as check reads it off the graph."""

from __future__ import annotations

from energy_lint.calibration.after_matmul import after_matmul_flags


def row(layer_class: str, model: str = "m", batch: str = "1") -> dict[str, str]:
    return {"layer_class": layer_class, "model": model, "batch_size": batch, "case_key": "k"}


def test_a_layer_right_after_a_weight_layer_is_flagged_free_layers_skipped() -> None:
    rows = [
        row("Conv2D"), row("Identity"), row("Activation"),  # a Cast between them changes nothing
        row("Activation"), row("Add"),
        row("Dense"), row("Dropout"), row("Add"),
        row("Model"),
    ]  # fmt: skip
    assert after_matmul_flags(rows) == [False, True, True, False, False, False, True, True, False]


def test_runs_keep_their_own_order_and_a_layer_measured_alone_is_never_after_one() -> None:
    rows = [
        row("Conv2D", batch="1"),
        row("Conv2D", batch="8"),
        row("Activation", batch="1"),
        row("Activation", model="other"),
        {"layer_class": "Activation", "model": "", "batch_size": "1"},
    ]
    assert after_matmul_flags(rows) == [False, False, True, False, False]


def test_check_and_calibration_read_the_same_flags_off_the_same_order() -> None:
    """The rule lives in families.after_weight_layers: a run's rows and the families of a graph's
    layers in the same order give the same flags."""
    from energy_lint.estimation.families import after_weight_layers, family_of

    classes = ["Conv2D", "Identity", "Activation", "Add", "Dense", "Dropout", "Add", "Permute"]
    assert after_matmul_flags([row(c) for c in classes]) == after_weight_layers(family_of(c) for c in classes)
