"""The whole-model correction's layer sums are out of fold: a model is summed by predictors that
never saw its architecture's layer rows. And the rows of the in-context campaign (the `context`
and `model` columns) are grouped by model and filtered by context."""

from __future__ import annotations

import math

import numpy as np
import pytest

from energy_lint.calibration.fit import IN_MODEL, architecture_of, collect, fit_families, fit_predictor
from energy_lint.calibration.whole_models import (
    WholeModel,
    out_of_fold_sums,
    read_whole_models,
)
from energy_lint.estimation.forward_pass import estimate
from energy_lint.estimation.profile import HardwareProfile
from energy_lint.graph import read_model
from tests.check_cli import EXAMPLES

pytestmark = pytest.mark.keras

pytest.importorskip("sklearn")
pytest.importorskip("xgboost")

ARCHITECTURES = ("alpha", "beta", "gamma", "delta")


def dense_row(units: int, batch: int, energy: float, model: str, context: str = "") -> dict:
    return {"layer_class": "Dense", "layer_config": {"units": units}, "input_shape": [[batch, 256]],
            "energy_j": str(energy), "model": model, "context": context}  # fmt: skip


def rows(scale_alpha: float) -> list[dict]:
    rng = np.random.default_rng(5)
    out = []
    for i in range(80):
        model = ARCHITECTURES[i % 4]
        units, batch = int(rng.integers(8, 1024)), int(rng.choice([1, 8, 32]))
        energy = (1e-4 + 2e-10 * batch * 256 * units) * (scale_alpha if model == "alpha" else 1.0)
        out.append(dense_row(units, batch, energy, model, IN_MODEL))
    return out


def models() -> list[WholeModel]:
    files = ("mobilenet_v2", "resnet50", "vgg16", "efficientnet_b0")
    return [
        WholeModel(name, 1, 1.0, read_model(EXAMPLES / f"{file}.json", batch_size=1))
        for name, file in zip(ARCHITECTURES, files, strict=True)
    ]


def test_a_models_out_of_fold_sum_ignores_its_own_architectures_rows() -> None:
    sums, in_sample = {}, {}
    for scale in (1.0, 50.0):
        data = collect(rows(scale))
        fitted, generic = fit_families(data, ("xgboost",), validate=False)
        sums[scale] = out_of_fold_sums(data, models(), fitted, generic)
        profile = HardwareProfile(
            EXAMPLES,
            {},
            {f: p.as_family_predictor() for f, p in fitted.items()},
            generic.as_family_predictor(),
        )
        in_sample[scale] = estimate(models()[0].graph, profile).layer_sum_j
    assert [s[2] for s in sums[1.0]] == list(ARCHITECTURES)
    assert sums[50.0][0][0] == pytest.approx(sums[1.0][0][0], rel=1e-9)  # alpha: blind to its rows
    assert in_sample[50.0] > 1.2 * in_sample[1.0]  # an in-sample sum would have seen them


def test_in_model_rows_group_by_model_keep_their_energy_and_filter_by_context() -> None:
    mixed = [*rows(1.0), dense_row(64, 1, 0.5, "rand-cnn-0042"), dense_row(64, 1, 0.5, "rand-cnn-0043")]
    mixed.append({"layer_class": "Identity", "layer_config": {}, "input_shape": [1, 8], "energy_j": "0.01"})
    data = collect(mixed, context=IN_MODEL)
    targets = data.by_family["dense"]
    assert len(targets) == 80  # the two rows measured alone are left out
    assert {group for _, _, group in targets} == set(ARCHITECTURES)
    first = mixed[0]
    assert math.exp(targets[0][1]) == pytest.approx(float(first["energy_j"]))  # no call overhead taken off
    alone = collect(mixed, context="alone").by_family["dense"]
    assert [math.exp(t) for _, t, _ in alone] == pytest.approx([0.5 - 0.01] * 2)
    assert architecture_of({"model": "rand-cnn-0042", "source": "resnet50:conv1"}) == "rand-cnn-0042"


def test_a_models_out_of_fold_sum_ignores_the_rows_of_its_whole_family() -> None:
    """rand-x-0001's rows (scaled 50x) must not reach the sum of rand-x-0002, its sibling."""
    renamed = {"alpha": "rand-x-0001", "beta": "rand-x-0002", "gamma": "gamma", "delta": "delta"}
    sums = {}
    for scale in (1.0, 50.0):
        scaled = [{**row, "model": renamed[row["model"]]} for row in rows(scale)]
        scaled = [row for row in scaled if row["model"] != "rand-x-0002"]  # the sibling has no rows
        data = collect(scaled)
        fitted, generic = fit_families(data, ("xgboost",), validate=False)
        siblings = [WholeModel(renamed[m.model], m.batch, m.measured_j, m.graph) for m in models()]
        sums[scale] = out_of_fold_sums(data, siblings, fitted, generic)
    assert [s[2] for s in sums[1.0]] == ["rand-x", "rand-x", "gamma", "delta"]
    assert sums[50.0][1][0] == pytest.approx(sums[1.0][1][0], rel=1e-9)


def test_the_choice_among_candidates_is_nested_in_the_reported_error() -> None:
    data = collect(rows(1.0))
    items = data.by_family["dense"]
    x = np.array([values for values, _, _ in items])
    # The rows follow a roofline exactly, which the prior recovers: 5% noise gives the CV an error.
    y = np.array([target for _, target, _ in items]) + np.random.default_rng(0).normal(0, 0.05, len(items))
    groups = np.array([f"g{i % 8}" for i in range(len(y))])
    names = data.names["dense"]
    nested = fit_predictor("dense", x, y, groups, names, ("random_forest", "xgboost"), use_prior=True)
    assert nested.nested is not None and len(nested.nested["chosen"]) == 5  # one choice per outer fold
    assert set(nested.nested["chosen"]) <= {"random_forest", "xgboost"}
    assert nested.entry("dense.npz")["nested"]["rmspe"] > 0
    single = fit_predictor("dense", x, y, groups, names, ("xgboost",), use_prior=True)
    assert single.nested is None and single.cv_rmspe["xgboost"] > 0  # nothing chosen: plain CV is honest


@pytest.mark.parametrize(
    ("column", "value"),
    [("input_shape", [1, None]), ("input_shape", "x"), ("input_shape", [[1, 2], [3]]), ("layer_config", [1]),
     ("energy_j", "[]"), ("energy_j", "nan"), ("layer_class", "NoSuchLayer"), ("layer_class", None)],
)  # fmt: skip
def test_a_row_nobody_can_use_is_counted_never_raised(column: str, value: object) -> None:
    broken = {**dense_row(64, 8, 0.01, "alpha"), column: value}
    identity = {"layer_config": {}, "input_shape": [1, 8], column: value}
    identity["layer_class"] = "Identity"  # a broken overhead row must not break the fit either
    data = collect([broken, identity, dense_row(32, 8, 0.01, "beta")])
    assert data.skipped == 1 and sum(data.skipped_why.values()) == 1
    assert len(data.by_family["dense"]) == 1
    model_row = {"layer_class": "Model", "layer_config": {"model": "vgg16.json"}, "energy_j": "1.0",
                 "input_shape": [1, 224, 224, 3], "_csv_dir": str(EXAMPLES), column: value}  # fmt: skip
    models, unreadable = read_whole_models([model_row, {**model_row, column: value, "layer_config": "x"}])
    assert unreadable >= 1 and len(models) + unreadable == 2
