"""Calibration never loses a measurement: rows are flushed one by one, a SIGKILL at any moment
costs at most the configuration in flight, and a rerun resumes without duplicates."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from energy_lint.calibration.measurements import append_row, done_keys, repair_tail
from energy_lint.calibration.suite import LayerCase, ModelCase, Suite

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


def calibrate(suite: Path, out: Path, budget: str = "10m") -> subprocess.Popen[str]:
    command = [
        sys.executable, "-m", "energy_lint", "calibrate", "--name", "test", "--no-fit",
        "--suite", str(suite), "--out", str(out), "--budget", budget,
        "--min-seconds", "0.2", "--repeats", "2",
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

    again = calibrate(suite_path, out)
    _, stderr = again.communicate(timeout=300)
    assert again.returncode == 0 and "0 measured" in stderr
    assert complete_lines(csv_path) == after


def test_budget_stops_the_run_and_says_how_to_resume(tmp_path: Path) -> None:
    suite_path = tmp_path / "suite.json"
    tiny_suite(tmp_path).save(suite_path)
    process = calibrate(suite_path, tmp_path / "out", budget="1s")
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


def test_fitting_is_not_claimed(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "energy_lint", "calibrate", "--name", "x"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "not built yet" in result.stderr
