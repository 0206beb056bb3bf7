"""Fitting on rows shaped like real measurements: targets, groups and the call overhead."""

from __future__ import annotations

import math

import numpy as np
import pytest

from energy_lint.calibration.fit import OVERHEAD_FLOOR, architecture_of, call_overhead, collect, rmspe

pytestmark = [pytest.mark.keras, pytest.mark.slow]

pytest.importorskip("sklearn")


def dense_row(units: int, energy: float, source: str) -> dict:
    return {"layer_class": "Dense", "layer_config": {"units": units}, "input_shape": [8, 64],
            "energy_j": str(energy), "source": source}  # fmt: skip


def identity_row(energy: float, shape: list[int]) -> dict:
    return {"layer_class": "Identity", "layer_config": {}, "input_shape": shape, "energy_j": str(energy)}


def test_the_call_overhead_is_taken_off_every_layer_with_a_floor() -> None:
    rows = [identity_row(0.010, [1, 8]), identity_row(0.012, [8, 8]), identity_row(0.9, [32, 512, 256]),
            dense_row(16, 0.050, "mlp:d1"), dense_row(32, 0.0105, "mlp:d2")]  # fmt: skip
    assert call_overhead(rows) == pytest.approx(0.011)  # the tiny-input Identity rows only
    data = collect(rows)
    targets = sorted(math.exp(target) for _, target, _ in data.by_family["dense"])
    assert targets == pytest.approx(sorted([0.050 - 0.011, OVERHEAD_FLOOR * 0.0105]))
    assert "free" not in data.by_family  # Identity rows are the overhead, not a family


def test_rows_group_by_the_architecture_they_came_from() -> None:
    assert architecture_of({"source": "resnet50:conv1_conv~"}) == "resnet50"
    assert architecture_of({"layer_class": "Dense"}) == "Dense"  # imported rows without a source


def test_rmspe_is_relative_and_symmetric_in_log_inputs() -> None:
    truth = np.log([1.0, 2.0, 4.0])
    assert rmspe(truth, truth) == 0.0
    assert rmspe(truth, truth + math.log(1.1)) == pytest.approx(0.1)


def test_rows_from_elsewhere_with_only_the_contract_columns_fit_a_profile(tmp_path) -> None:
    """Contract 3: imported rows may lack duration_s and every metadata column."""
    import csv
    import json
    import subprocess
    import sys

    from energy_lint.estimation.profile import load_profile

    path = tmp_path / "imported.csv"
    rng = np.random.default_rng(3)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["layer_class", "layer_config", "input_shape", "output_shape", "energy_j"])
        for _ in range(40):
            units, batch = int(rng.integers(8, 512)), int(rng.choice([1, 8, 32]))
            energy = 1e-9 * batch * 256 * units * rng.uniform(0.9, 1.1) + 1e-4
            writer.writerow(["Dense", json.dumps({"units": units}), json.dumps([batch, 256]),
                             json.dumps([batch, units]), energy])  # fmt: skip
    out = tmp_path / "imported-profile"
    result = subprocess.run(
        [sys.executable, "-m", "energy_lint", "calibrate", "--name", "imported", "--from-csv", str(path),
         "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    profile = load_profile(out)
    assert set(profile.families) == {"dense"} and profile.families["dense"].info["rows"] == 40
    assert profile.meta["dataset"]["model_rows"] == 0 and profile.correction.kind == "none"


def test_layers_of_no_family_train_only_the_generic_predictor_never_a_family_named_generic() -> None:
    """A 'generic' family would shadow the generic predictor for every layer without a family
    of its own (price_layers looks the family name up first)."""
    from energy_lint.calibration.fit import fit_families

    inner = {"module": "keras.layers", "class_name": "Dense", "config": {"units": 8}}
    custom = [  # TimeDistributed is read, and belongs to no family
        {"layer_class": "TimeDistributed", "layer_config": {"layer": inner}, "input_shape": [4, 10 + i, 16],
         "energy_j": str(0.01 + i * 1e-4), "source": f"m{i % 5}.json:td"}
        for i in range(20)
    ]  # fmt: skip
    dense = [dense_row(16 * (1 + i), 1e-3 * (1 + i), f"d{i % 5}.json:dense") for i in range(20)]
    data = collect([*custom, *dense])
    assert len(data.by_family["generic"]) == 20 and len(data.by_family["dense"]) == 20
    families, generic = fit_families(data, ("random_forest",), nested=False, validate=False)
    assert "generic" not in families and set(families) == {"dense"}
    assert generic.family == "generic" and generic.rows == 40


def in_model(units: int, energy: float, model: str) -> dict:
    return {**dense_row(units, energy, f"{model}:d"), "context": "in-model", "model": model}


def test_layers_that_cost_nothing_in_their_model_scale_the_family_down_by_their_share(tmp_path) -> None:
    """Rows with no time of their own (fused by the runtime) are no energy to fit a log on:
    they are counted per family and architecture, and the fitted family predicts the
    expectation, (1 - share) x the timed cost, in check as in the out-of-fold sums."""
    import json

    from energy_lint.calibration.fit import fit_families
    from energy_lint.estimation.profile import ProfileError, load_profile

    rng = np.random.default_rng(0)
    rows = [in_model(int(u), 1e-4 * u, f"mlp-{i % 6}") for i, u in enumerate(rng.integers(8, 512, 60))]
    rows += [in_model(64, 0.0, f"mlp-{i % 6}") for i in range(20)] + [in_model(64, 0.0, "cnn-0")] * 5
    data = collect(rows, context="in-model")
    assert len(data.by_family["dense"]) == 60 and len(data.fused["dense"]) == 25
    assert data.fused_share("dense") == pytest.approx(25 / 85)
    assert data.fused_share("dense", held={"cnn-0"}) == pytest.approx(20 / 80)
    families, _generic = fit_families(data, ("random_forest",), nested=False, validate=False)
    dense = families["dense"]
    assert dense.entry("dense.npz")["fused_share"] == pytest.approx(25 / 85, abs=1e-6)  # rounded
    scaled = dense.as_family_predictor()
    row = dict(zip(data.names["dense"], data.by_family["dense"][0][0], strict=True))
    dense.fused_share = 0.0
    timed = dense.as_family_predictor()
    assert scaled.predict_log([row])[0] - timed.predict_log([row])[0] == pytest.approx(math.log(60 / 85))
    profile = tmp_path / "p"
    profile.mkdir()
    (profile / "dense.npz").write_bytes(b"")
    entry = {**families["dense"].entry("dense.npz"), "fused_share": 1.5}
    (profile / "profile.json").write_text(json.dumps({"format": 1, "families": {"dense": entry}}))
    with pytest.raises(ProfileError, match="fused_share must be between 0 and 1"):
        load_profile(profile)


def test_a_layer_right_after_a_weight_layer_takes_the_fused_share_of_its_side(tmp_path) -> None:
    """A runtime fuses the ReLU after a Conv into it far more often than a ReLU elsewhere: with
    MIN_CONTEXT_ROWS rows on each side the family keeps two shares, and a prediction is scaled by
    the share of its own side."""
    from energy_lint.calibration.fit import MIN_CONTEXT_ROWS, fit_families
    from energy_lint.estimation.features import AFTER_MATMUL

    def layer(layer_class: str, config: dict, energy: float, model: str) -> dict:
        shape = [1, 8, 8, 3] if layer_class == "Conv2D" else [1, 8, 8, 8]
        where = {"source": f"{model}:x", "context": "in-model", "model": model}
        return {"layer_class": layer_class, "layer_config": config, "input_shape": shape,
                "energy_j": str(energy), **where}  # fmt: skip

    conv, relu = {"filters": 8, "kernel_size": [3, 3], "padding": "same"}, {"activation": "relu"}
    rows = []
    for i in range(MIN_CONTEXT_ROWS):
        model = f"cnn-{i % 5}"
        # after a Conv: fused, but one in four timed; after a ReLU: timed, but one in five fused
        rows += [
            layer("Conv2D", conv, 2e-4, model),
            layer("Activation", relu, 1e-5 if i % 4 == 0 else 0.0, model),
        ]
        rows += [layer("Activation", relu, 0.0 if i % 5 == 0 else 1e-5 * (1 + i % 3), model)]
    data = collect(rows, context="in-model")
    before, after = data.fused_shares("activation")
    assert (before, after) == (pytest.approx(4 / 20), pytest.approx(15 / 20))
    assert data.fused_shares("activation", held={f"cnn-{i}" for i in range(5)}) == (0.0, None)
    families, _ = fit_families(data, ("random_forest",), nested=False, validate=False)
    entry = families["activation"].entry("activation.npz")
    assert entry["fused_share"] == pytest.approx(0.2) and entry["fused_share_after_matmul"] == pytest.approx(
        0.75
    )
    predictor = families["activation"].as_family_predictor()
    values = dict(zip(data.names["activation"], data.by_family["activation"][0][0], strict=True))
    logs = predictor.predict_log([{**values, AFTER_MATMUL: 0.0}, {**values, AFTER_MATMUL: 1.0}])
    assert logs[1] - logs[0] == pytest.approx(math.log(0.25 / 0.8))


def test_a_dataset_without_some_architectures_drops_them_from_every_per_row_field() -> None:
    """The accuracy benchmark holds a family out with Dataset.without: a field left behind (the
    rows' contexts) made its held-out fits fall back to one fused share in silence."""
    rows = [in_model(64, 1e-4, "mlp-0"), in_model(64, 0.0, "mlp-0"), in_model(32, 1e-4, "cnn-0")]
    data = collect(rows, context="in-model")
    kept = data.without(lambda architecture: architecture.startswith("mlp"))
    assert [group for _, _, group in kept.by_family["dense"]] == ["cnn-0"]
    assert kept.fused["dense"] == []
    assert [context[0] for context in kept.contexts["dense"]] == ["cnn-0"]
    assert [context[0] for context in data.contexts["dense"]] == ["mlp-0", "mlp-0", "cnn-0"]
    assert [example[0] for example in kept.fusion] == ["cnn-0"]
    assert [example[0] for example in data.fusion] == ["mlp-0", "mlp-0", "cnn-0"]


def test_the_fusion_table_of_a_fold_never_saw_its_held_out_architectures() -> None:
    rows = [in_model(64, 0.0, "mlp-0") for _ in range(20)] + [in_model(64, 1e-4, "cnn-0") for _ in range(20)]
    data = collect(rows, context="in-model")
    assert data.fusion_table().default == pytest.approx(0.5)
    assert data.fusion_table(held={"cnn-0"}).default == 1.0
    assert data.fusion_table(held={"cnn-0", "mlp-0"}) is None
    assert collect(rows, context="alone").fusion_table() is None
