"""The training estimate, with its interval and CO2e, in every output format of `check`."""

from __future__ import annotations

import json

import pytest

from energy_lint.report import CHECK_FORMATS
from energy_lint.units import format_energy
from tests.check_cli import EXAMPLES, document, run_check
from tests.rules.cases import TRAINING_PROFILE, UNTRAINED_PROFILE

CONFIG = "[training]\nepochs = 10\ntraining-samples = 50_000\nvalidation-samples = 10_000\nbatch-size = 64\n"
MODEL = EXAMPLES / "mobilenet_v3_small.json"


@pytest.fixture
def trained(tmp_path):
    (tmp_path / "energy-lint.toml").write_text(CONFIG)
    training = document(run_check(MODEL, "--format", "json", cwd=tmp_path, profile=TRAINING_PROFILE))
    return tmp_path, training["models"][0]["training"]


def test_json_gives_the_run_its_energy_interval_and_co2e(trained) -> None:
    _, training = trained
    assert (
        training["estimated"] and training["steps_per_epoch"] == 782 and training["validation_steps"] == 157
    )
    low, high = training["energy_j_interval"]
    assert low < training["energy_j"] < high
    assert training["energy_j"] == pytest.approx(
        10 * (782 * training["step_j"] + 157 * training["validation_pass_j"])
    )
    assert training["co2e_g"] == pytest.approx(training["energy_j"] / 3.6e6 * 475, rel=0.01)  # world average


@pytest.mark.parametrize("output_format", sorted(set(CHECK_FORMATS) - {"json"}))
def test_every_format_shows_the_training_energy_and_its_interval(output_format: str, trained) -> None:
    directory, training = trained
    out = run_check(MODEL, "--format", output_format, cwd=directory, profile=TRAINING_PROFILE).stdout
    if output_format == "sarif":
        properties = json.loads(out)["runs"][0]["artifacts"][0]["properties"]
        assert properties["training"]["energy_j"] == pytest.approx(training["energy_j"])
        assert properties["training"]["energy_j_interval"] == pytest.approx(training["energy_j_interval"])
        return
    low, high = (format_energy(value) for value in training["energy_j_interval"])
    assert format_energy(training["energy_j"]) in out
    assert f"90%: {low} to {high}" in out
    assert "10 epochs x 782 steps at batch 64" in out


def test_a_profile_without_training_rows_says_so_and_warns(tmp_path) -> None:
    (tmp_path / "energy-lint.toml").write_text(CONFIG)
    result = run_check(MODEL, cwd=tmp_path, profile=UNTRAINED_PROFILE)
    assert "not estimated (the profile has no training measurements)" in result.stdout
    assert "EL304" in result.stdout and result.returncode == 0
