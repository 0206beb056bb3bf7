"""`energy-lint measure` runs the real model under real CodeCarbon and prints contract 5."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from energy_lint.calibration.projection import project

pytestmark = [pytest.mark.keras, pytest.mark.slow]

ROOT = Path(__file__).parents[2]

pytest.importorskip("codecarbon")


def run_measure(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "energy_lint", "measure", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_measure_prints_energy_per_pass_and_how_power_was_obtained() -> None:
    result = run_measure(
        str(ROOT / "examples" / "mobilenet.json"),
        "--batch-size",
        "2",
        "--min-seconds",
        "0.3",
        "--repeats",
        "2",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    for key in ("path", "batch_size", "energy_j", "duration_s", "n_passes", "repeats", "idle_power_w"):
        assert key in document
    assert document["batch_size"] == 2
    assert document["input_shapes"] == [[2, 224, 224, 3]]
    assert document["energy_j"] > 0 and document["duration_s"] > 0 and document["n_passes"] >= 1
    total = document["cpu_energy_j"] + document["gpu_energy_j"] + document["ram_energy_j"]
    assert total == pytest.approx(document["energy_j"], rel=1e-9)
    # Without a readable RAPL counter CodeCarbon's CPU figure is an estimate (load x TDP) and must
    # be labelled so; with one it is a measurement. The machine decides which, not the test.
    expected = "(measured)" if rapl_readable() else "(not a measurement)"
    assert document["power_source"]["cpu"].endswith(expected), document["power_source"]["cpu"]
    assert document["power_source"]["ram"].endswith("(not a measurement)")
    assert "Traceback" not in result.stderr


def rapl_readable() -> bool:
    """Whether this machine exposes a readable Intel RAPL energy counter (what CodeCarbon measures)."""
    counters = list(Path("/sys/class/powercap").glob("intel-rapl:*/energy_uj"))
    return any(os.access(counter, os.R_OK) for counter in counters)


def gpu_present() -> bool:
    """Whether an NVIDIA GPU is visible, asked of the driver rather than of energy-lint."""
    if shutil.which("nvidia-smi") is None:
        return False
    done = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, check=False)
    return done.returncode == 0 and "GPU 0" in done.stdout


def test_gpu_request_without_a_gpu_is_one_line_and_exit_2() -> None:
    """Decided by the machine: with no GPU, a request for one is refused in one line; with one,
    the measurement runs on it (a CPU run reported as success no longer passes as a skip)."""
    result = run_measure(str(ROOT / "examples" / "mobilenet.json"), "--device", "gpu:0", "--format", "json")
    if gpu_present():
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["device"] == "gpu:0"
        return
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "gpu:0" in lines[0] and "Traceback" not in result.stderr


def test_bad_model_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = run_measure(str(broken))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and str(broken) in result.stderr


def tiny_mlp(directory: Path) -> Path:
    """A small Keras MLP config, as `model.to_json()` writes it."""
    import keras

    inputs = keras.Input((32,))
    hidden = keras.layers.Dense(64, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(4, activation="softmax")(hidden))
    path = directory / "mlp.json"
    path.write_text(model.to_json())
    return path


def test_measure_train_measures_every_epoch_and_projects_the_run(tmp_path: Path) -> None:
    result = run_measure(
        str(tiny_mlp(tmp_path)), "--train", "--epochs", "4", "--samples", "4096",
        "--validation-samples", "512", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["mode"] == "train" and document["batch_size"] == 32  # --train's default batch
    assert document["steps_per_epoch"] == 128 and document["epochs_measured"] == 4
    assert "adam" in document["optimizer"].lower() and "default" in document["optimizer"]
    epochs = document["epochs"]
    assert [e["epoch"] for e in epochs] == [1, 2, 3, 4]
    assert all(e["energy_j"] > 0 and e["duration_s"] > 0 for e in epochs)
    assert document["measured_j"] == pytest.approx(sum(e["energy_j"] for e in epochs))
    projection = document["projection"]
    # Every epoch ran: the projection is what was measured.
    assert projection["energy_j"] == pytest.approx(document["measured_j"])
    assert document["power_source"]["ram"].endswith("(not a measurement)")
    assert result.stderr.count("epoch ") >= 4  # progress, one line per epoch


def test_project_after_stops_once_settled_and_projects_the_rest(tmp_path: Path) -> None:
    result = run_measure(
        str(tiny_mlp(tmp_path)), "--train", "--epochs", "50", "--samples", "4096",
        "--project-after", "4", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    projection = document["projection"]
    assert document["stopped_early"] and 4 <= document["epochs_measured"] < 50
    assert projection["stable"] and projection["epochs_total"] == 50
    # The epochs not run are projected, from the epochs that were, as projection.project does.
    energies = [epoch["energy_j"] for epoch in document["epochs"]]
    expected = project(energies, 50)
    assert projection["energy_j"] == pytest.approx(expected.energy_j)
    assert projection["energy_j"] > document["measured_j"]
    assert projection["stable_from"] == expected.stable_from
    low, high = projection["interval_j"]
    assert low <= projection["energy_j"] <= high


def test_measure_train_text_says_what_was_measured_and_what_projected(tmp_path: Path) -> None:
    result = run_measure(str(tiny_mlp(tmp_path)), "--train", "--epochs", "3", "--samples", "1024")
    assert result.returncode == 0, result.stderr
    assert "measured:" in result.stdout and "projected for 3 epochs" in result.stdout
    assert "ram: CodeCarbon estimate" in result.stdout
