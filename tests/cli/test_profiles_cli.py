"""`energy-lint profiles` lists what `check --profile` can use and how its power was obtained."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np

from energy_lint.calibration.profile_writer import write_profile
from energy_lint.estimation.trees import TreeEnsemble
from tests.in_process import invoke


def leaf(value: float) -> TreeEnsemble:
    return TreeEnsemble(
        feature=np.array([-1]), threshold=np.array([0.0]), left=np.array([-1]), right=np.array([-1]),
        value=np.array([value]), roots=np.array([0]), n_features=5,
    )  # fmt: skip


def profiles(root: Path) -> subprocess.CompletedProcess[str]:
    return invoke("profiles", "--format", "json", cwd=root, env={"ENERGY_LINT_PROFILES": str(root)})


def test_user_profiles_are_listed_with_their_power_source_and_errors(tmp_path: Path) -> None:
    generic = {"file": "generic.npz", "predictor": "xgboost", "features": ["a", "b", "c", "d", "e"],
               "cv_rmspe": {"xgboost": 0.12, "catboost": 0.2}, "rows": 40}  # fmt: skip
    meta = {
        "format": 1, "name": "lab-gpu", "device": "gpu:0", "backend": "torch", "power": "measured",
        "power_source": {"gpu": "NVML total energy counter (measured)"}, "families": {},
        "generic": generic, "dataset": {"rows": 40, "model_rows": 3},
        "correction": {"kind": "affine", "overhead_j": 0.001, "factor": 1.1},
    }  # fmt: skip
    write_profile(tmp_path / "lab-gpu", meta, {"generic.npz": leaf(0.0)})
    result = profiles(tmp_path)
    assert result.returncode == 0, result.stderr
    listed = [p for p in json.loads(result.stdout)["profiles"] if p["where"] == "user"]
    assert [p["name"] for p in listed] == ["lab-gpu"]
    assert listed[0]["power"] == "measured" and listed[0]["cv_rmspe"] == {"generic": 0.12}
    assert "NVML" in listed[0]["power_source"]["gpu"]


def test_a_corrupt_profile_is_one_error_line_and_the_rest_still_listed(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "profile.json").write_text("{not json")
    result = profiles(tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "broken" in result.stderr and "Traceback" not in result.stderr
    assert "profiles" in json.loads(result.stdout)


def test_training_predictors_are_described_alike_by_profiles_and_by_check(tmp_path: Path) -> None:
    listed = {p["name"]: p for p in json.loads(profiles(tmp_path).stdout)["profiles"]}
    assert listed["h100-torch-fp32"]["training"] is None
    training = listed["cpu-epyc-2core-tf"]["training"]
    assert training["layer_pairs"] >= 100 and training["model_rows"] >= 3
    assert "conv" in training["families"] and training["cv_rmspe_generic"] > 0
    assert any("adam" in optimizer.lower() for optimizer in training["optimizer"])
    # Layers measured alone carry the update; timed in context, it is priced per parameter.
    assert training["update_j_per_param"] == 0.0
    assert listed["cpu-xeon-2core-tf-ctx"]["training"]["update_j_per_param"] > 0
    examples = Path(__file__).parents[2] / "examples"
    arguments = ["--profile", "cpu-epyc-2core-tf", "--format", "json", "--exit-zero"]
    checked = invoke("check", examples / "mobilenet.json", *arguments, cwd=tmp_path)
    assert json.loads(checked.stdout)["profile"]["training"] == training


def test_the_intervals_out_of_sample_coverage_and_width_and_the_priors_are_shown(tmp_path: Path) -> None:
    prior = {
        "overhead_j": 1e-4,
        "peak_macs_per_j": 1e10,
        "bandwidth_bytes_per_j": 1e9,
        "residual_range": [-1, 1],
    }
    dense = {"file": "dense.npz", "predictor": "xgboost", "features": ["a", "b", "c", "d", "e"],
             "cv_rmspe": {"xgboost": 0.1}, "rows": 40, "prior": prior}  # fmt: skip
    meta = {
        "format": 1, "name": "with-prior", "device": "cpu", "backend": "tensorflow", "power": "estimated",
        "power_source": {"cpu": "CodeCarbon estimate"}, "families": {"dense": dense},
        "generic": {**dense, "file": "generic.npz", "prior": None}, "dataset": {"rows": 40, "model_rows": 9},
        "correction": {"kind": "affine", "overhead_j": 0.0, "factor": 1.0, "interval_log": [-0.4, 0.5],
                       "interval_coverage": 0.9, "interval_high_over_low": 2.4},
    }  # fmt: skip
    write_profile(tmp_path / "with-prior", meta, {"dense.npz": leaf(0.0), "generic.npz": leaf(0.0)})
    listed = [p for p in json.loads(profiles(tmp_path).stdout)["profiles"] if p["where"] == "user"]
    assert listed[0]["interval_coverage"] == 0.9 and listed[0]["interval_high_over_low"] == 2.4
    assert listed[0]["priors"] == ["dense"]
    text = invoke("profiles", cwd=tmp_path, env={"ENERGY_LINT_PROFILES": str(tmp_path)}).stdout
    assert "covers 90% of held-out whole models, median high/low 2.40" in text
    assert "physical priors: dense" in text
