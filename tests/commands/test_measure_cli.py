"""`energy-lint measure` runs the real model under real CodeCarbon and prints contract 5."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
    # This CPU has no RAPL: CodeCarbon's figure must be labelled an estimate, never a measurement.
    assert document["power_source"]["cpu"].endswith(("(measured)", "(not a measurement)"))
    assert document["power_source"]["ram"].endswith("(not a measurement)")
    assert "Traceback" not in result.stderr


def test_gpu_request_without_a_gpu_is_one_line_and_exit_2() -> None:
    result = run_measure(str(ROOT / "examples" / "mobilenet.json"), "--device", "gpu:0")
    if result.returncode == 0:
        pytest.skip("a GPU is present on this machine")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "gpu:0" in lines[0] and "Traceback" not in result.stderr


def test_bad_model_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = run_measure(str(broken))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and str(broken) in result.stderr
