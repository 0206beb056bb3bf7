"""The prior on the check path: stored and read back from profile.json, the tree residual kept
inside the training ranges and shrunk beyond them, and profiles written before priors still
predicting with their trees alone."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from energy_lint.estimation.forward_pass import estimate
from energy_lint.estimation.prior import Prior, shrink
from energy_lint.estimation.profile import BUNDLED, FamilyPredictor, load_profile
from energy_lint.estimation.trees import TreeEnsemble
from energy_lint.graph import read_model

EXAMPLES = BUNDLED.parents[1] / "examples"
PRIOR = Prior(1e-3, 1e10, 1e9, residual_range=(-0.2, 0.4))


def constant(value: float, n_features: int) -> TreeEnsemble:
    """One leaf: every layer gets the same residual."""
    return TreeEnsemble.constant(value, n_features)


def row(log_macs: float, log_bytes: float) -> dict[str, float]:
    return {"log_macs": log_macs, "log_bytes": log_bytes}


def test_a_prior_survives_profile_json_and_refuses_nonsense() -> None:
    assert Prior.from_dict(PRIOR.to_dict()) == PRIOR
    assert Prior.from_dict(None) is None
    with pytest.raises(ValueError):
        Prior.from_dict({**PRIOR.to_dict(), "overhead_j": -1.0})
    looped = Prior(1e-4, 1e9, 1e8, (-0.5, 0.5), per_step_j=2e-5)
    assert Prior.from_dict(looped.to_dict()) == looped
    assert "per_step_j" not in PRIOR.to_dict()
    with pytest.raises(ValueError):
        Prior.from_dict({**looped.to_dict(), "per_step_j": float("nan")})


def test_steps_add_their_cost_only_where_the_prior_has_one() -> None:
    looped = Prior(1e-4, 1e9, 1e8, (-0.5, 0.5), per_step_j=2e-5)
    columns = {"log_macs": np.log1p([1e6]), "log_bytes": np.log1p([1e5]), "log_steps": np.log1p([100.0])}
    without = {k: v for k, v in columns.items() if k != "log_steps"}
    assert np.exp(looped.predict_log(columns))[0] == pytest.approx(1e-4 + 1e-3 + 100 * 2e-5)
    assert np.exp(looped.predict_log(without))[0] == pytest.approx(1e-4 + 1e-3)
    assert np.exp(PRIOR.predict_log(columns))[0] == pytest.approx(np.exp(PRIOR.predict_log(without))[0])


def test_the_residual_is_clipped_inside_the_ranges_and_fades_beyond_them() -> None:
    ranges = {"log_macs": (10.0, 20.0), "log_bytes": (10.0, 18.0)}
    predictor = FamilyPredictor(
        "dense", ("log_macs", "log_bytes"), constant(0.9, 2), (0.0, 0.0), ranges, prior=PRIOR
    )
    inside, far = row(15.0, 14.0), row(20.0 + 10 * math.log(10), 14.0)  # 10 decades beyond
    logs = predictor.predict_log([inside, far])
    prior_logs = PRIOR.predict_log({k: np.array([inside[k], far[k]]) for k in inside})
    assert logs[0] == pytest.approx(prior_logs[0] + 0.4)  # 0.9 clipped to the largest training residual
    assert logs[1] == pytest.approx(prior_logs[1], abs=1e-6)  # priced by the prior alone
    assert shrink({"log_macs": np.array([15.0])}, ranges)[0] == 1.0


@pytest.mark.parametrize("name", ["cpu-epyc-2core-tf", "h100-torch-fp32"])
def test_a_profile_written_before_priors_predicts_with_its_trees_alone(name: str, tmp_path: Path) -> None:
    old = tmp_path / name
    shutil.copytree(BUNDLED / name, old)
    entry = json.loads((old / "profile.json").read_text())
    assert any("prior" in family for family in entry["families"].values())  # priors to strip
    for family in entry["families"].values():
        family.pop("prior", None)
    (old / "profile.json").write_text(json.dumps(entry))
    profile = load_profile(old)
    assert all(p.prior is None for p in profile.families.values())
    graph = read_model(EXAMPLES / "mobilenet_v2.json", batch_size=1)
    result = estimate(graph, profile)
    priced = [layer for layer in result.layers if layer.priced]
    assert priced and result.energy_j > 0
    first = priced[0]
    predictor = profile.families.get(first.family) or profile.generic
    assert predictor is not None
    vector = np.array([[first.features[n] for n in predictor.features]])
    assert first.energy_j == pytest.approx(math.exp(predictor.ensemble.predict(vector)[0]))


def test_kernel_taps_bound_a_grouped_convolution_only_where_the_prior_has_a_tap_rate() -> None:
    tapped = Prior(1e-4, 1e9, 1e8, (-0.5, 0.5), taps_per_j=1e6)
    assert Prior.from_dict(tapped.to_dict()) == tapped
    assert "taps / taps_per_j" in tapped.to_dict()["formula"]
    assert "taps_per_j" not in PRIOR.to_dict()
    columns = {"log_macs": np.log1p([8e6, 8e6]), "log_bytes": np.log1p([1e5, 1e5])}
    columns["log_taps"] = np.log1p([1e6, 0.0])
    grouped, dense = np.exp(tapped.predict_log(columns))
    assert grouped == pytest.approx(1e-4 + 1.0)  # a million taps at a million per joule
    assert dense == pytest.approx(1e-4 + 8e-3)  # no taps (an ungrouped conv): MACs bound it
    assert np.exp(PRIOR.predict_log(columns))[0] == pytest.approx(1e-3 + 8e-4)
