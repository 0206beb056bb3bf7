"""Calibration never loses a measurement: rows are flushed one by one, a SIGKILL at any moment
costs at most the configuration in flight, and a rerun resumes without duplicates."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from energy_lint.calibration.measurements import append_row, done_keys, repair_tail
from energy_lint.calibration.profile_writer import write_profile
from energy_lint.calibration.suite import LayerCase, ModelCase, Suite
from energy_lint.estimation.forward_pass import estimate
from energy_lint.estimation.profile import load_profile
from energy_lint.estimation.trees import TreeEnsemble
from energy_lint.graph import read_model

pytestmark = [pytest.mark.keras, pytest.mark.slow]

pytest.importorskip("codecarbon")

ROOT = Path(__file__).parents[2]


def tiny_suite(directory: Path) -> Suite:
    layers = [
        LayerCase("Dense", {"units": 16, "activation": "relu"}, [[4, 32]], "dense", "test"),
        LayerCase(
            "Conv2D",
            {"filters": 4, "kernel_size": [3, 3], "padding": "same"},
            [[2, 16, 16, 3]],
            "conv",
            "test",
        ),
        LayerCase("Add", {}, [[2, 8, 8], [2, 8, 8]], "elementwise", "test"),
        LayerCase("Activation", {"activation": "tanh"}, [[8, 64]], "activation", "test"),
        LayerCase("MaxPooling2D", {"pool_size": [2, 2]}, [[2, 16, 16, 3]], "pooling", "test"),
        LayerCase("LSTM", {"units": 8}, [[2, 10, 4]], "recurrent", "test"),
    ]
    model = os.path.relpath(ROOT / "examples" / "mobilenet.json", directory)
    return Suite(layers=layers, models=[ModelCase(model, 1)], models_every=3)


def calibrate(suite: Path, out: Path, budget: str = "10m", *extra: str) -> subprocess.Popen[str]:
    command = [
        sys.executable, "-m", "energy_lint", "calibrate", "--name", "test",
        "--suite", str(suite), "--out", str(out), "--budget", budget,
        "--min-seconds", "0.2", "--repeats", "2", *extra,
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def complete_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return path.read_text().splitlines(keepends=True)


def test_sigkill_mid_run_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    suite = tiny_suite(tmp_path)
    suite_path = tmp_path / "suite.json"
    suite.save(suite_path)
    out = tmp_path / "profile"
    csv_path = out / "measurements.csv"

    process = calibrate(suite_path, out)
    deadline = time.monotonic() + 240
    while len(complete_lines(csv_path)) < 3 and time.monotonic() < deadline:  # header + 2 rows
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    before = complete_lines(csv_path)
    assert len(before) >= 3

    resumed = calibrate(suite_path, out)
    _, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, stderr
    after = complete_lines(csv_path)
    kept = [line for line in before if line.endswith("\n")]
    assert after[: len(kept)] == kept  # every row measured before the kill, unchanged
    rows = list(csv.DictReader(csv_path.open()))
    keys = [row["case_key"] for row in rows]
    assert len(keys) == len(set(keys))  # nothing measured twice
    assert set(keys) == {case.key for case in suite.ordered()}  # and everything measured
    assert all(float(row["energy_j"]) > 0 and float(row["duration_s"]) > 0 for row in rows)
    assert {row["layer_class"] for row in rows} >= {"Dense", "Conv2D", "LSTM", "Model"}

    # the resumed run fitted a profile that loads and estimates
    profile = load_profile(out)
    assert profile.generic is not None and profile.meta["dataset"]["rows"] == len(rows)
    assert (
        "not a measurement" in json.dumps(profile.meta["power_source"]) or profile.meta["power"] == "measured"
    )
    graph = read_model(ROOT / "examples" / "mobilenet.json")
    assert estimate(graph, profile).energy_j > 0

    again = calibrate(suite_path, out, "10m", "--no-fit")
    _, stderr = again.communicate(timeout=300)
    assert again.returncode == 0 and "0 measured" in stderr
    assert complete_lines(csv_path) == after


def test_budget_stops_the_run_and_says_how_to_resume(tmp_path: Path) -> None:
    suite_path = tmp_path / "suite.json"
    tiny_suite(tmp_path).save(suite_path)
    process = calibrate(suite_path, tmp_path / "out", "1s", "--no-fit")
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0
    assert "budget reached" in stderr
    assert len(done_keys(tmp_path / "out" / "measurements.csv")) < 7


def test_partial_last_row_from_a_kill_is_dropped_on_resume(tmp_path: Path) -> None:
    path = tmp_path / "measurements.csv"
    append_row(path, {"layer_class": "Dense", "energy_j": 1.0, "case_key": "a"})
    append_row(path, {"layer_class": "Conv2D", "energy_j": 2.0, "case_key": "b"})
    whole = path.read_bytes()
    with path.open("ab") as handle:
        handle.write(b"Add,{}, [1")  # a write cut short by SIGKILL
    repair_tail(path)
    assert path.read_bytes() == whole
    assert done_keys(path) == {"a", "b"}


def test_an_interrupted_profile_write_leaves_the_old_profile_intact(tmp_path: Path) -> None:
    out = tmp_path / "profile"
    stump = TreeEnsemble(
        feature=np.array([-1]), threshold=np.array([0.0]), left=np.array([-1]), right=np.array([-1]),
        value=np.array([0.0]), roots=np.array([0]), n_features=5,
    )  # fmt: skip
    write_profile(out, {"format": 1, "name": "old"}, {"generic.npz": stump})
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    class Interrupted(Exception):
        pass

    class FailsHalfway:
        def save(self, path: Path) -> None:
            path.write_bytes(b"half a file")
            raise Interrupted

    with pytest.raises(Interrupted):
        write_profile(out, {"format": 1, "name": "new"}, {"generic.npz": stump, "x.npz": FailsHalfway()})
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["profile"]  # no staging left behind


def test_train_measures_a_training_twin_after_each_case_and_fits_ratios(tmp_path: Path) -> None:
    """calibrate --train: each case's training step follows its forward pass in the CSV (Adam,
    MSE), a rerun measures nothing twice, and the profile gains no training section from a
    handful of pairs (below MIN_PAIRS) rather than a guessed ratio."""
    suite = tmp_path / "suite.json"
    layers = tiny_suite(tmp_path).layers[:3]
    Suite(layers=layers, models=[], models_every=3).save(suite)
    out = tmp_path / "profile"
    process = calibrate(suite, out, "10m", "--train")
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    rows = list(csv.DictReader((out / "measurements.csv").open()))
    assert [row["pass"] for row in rows] == ["forward", "train"] * 3
    for forward, train in zip(rows[::2], rows[1::2], strict=True):
        assert (
            forward["layer_config"] == train["layer_config"]
            and forward["input_shape"] == train["input_shape"]
        )
        assert "adam" in train["optimizer"].lower() and forward["optimizer"] == ""
        assert float(train["energy_j"]) > 0 and train["case_key"] != forward["case_key"]
    again = calibrate(suite, out, "10m", "--train", "--no-fit")
    _, stderr = again.communicate(timeout=600)
    assert "0 measured, 6 already" in stderr
    meta = json.loads((out / "profile.json").read_text())
    assert meta["dataset"]["training_rows"] == 3 and "training" not in meta
