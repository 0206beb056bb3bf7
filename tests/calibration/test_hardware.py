"""A measurements CSV belongs to the machine that measured it: a campaign on another processor
is refused before it measures anything, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from energy_lint.calibration import hardware
from energy_lint.calibration.suite import LayerCase, Suite
from energy_lint.errors import EnergyLintError

pytestmark = [pytest.mark.keras, pytest.mark.slow]

ROW_HEADER = "layer_class,layer_config,input_shape,output_shape,energy_j\n"


def test_this_machine_names_its_processor() -> None:
    machine = hardware.this_machine("cpu")
    assert machine["device_kind"] == "cpu"
    assert machine["processor"] == hardware.cpu_model() and machine["processor"] != ""


def test_a_csv_is_claimed_once_and_refused_to_another_processor(tmp_path: Path) -> None:
    csv_path = tmp_path / "measurements.csv"
    here = hardware.this_machine("cpu")
    assert hardware.claim(csv_path, here) is None
    assert json.loads((tmp_path / hardware.RECORD).read_text())["processor"] == here["processor"]
    assert hardware.claim(csv_path, here) is None  # the same machine resumes
    with pytest.raises(EnergyLintError, match="Other CPU 9000"):
        hardware.claim(csv_path, {**here, "processor": "Other CPU 9000"})


def test_rows_without_a_record_are_claimed_with_a_warning(tmp_path: Path) -> None:
    csv_path = tmp_path / "measurements.csv"
    csv_path.write_text(ROW_HEADER + 'Dense,{},"[[1, 4]]","[1, 4]",0.1\n')
    warning = hardware.claim(csv_path, hardware.this_machine("cpu"))
    assert warning and "nobody recorded" in warning and (tmp_path / hardware.RECORD).exists()


def test_calibrate_refuses_a_csv_of_another_machine_in_one_line(tmp_path: Path) -> None:
    suite = tmp_path / "suite.json"
    Suite(layers=[LayerCase("Dense", {"units": 4}, [[1, 4]], "dense", "test")], models=[]).save(suite)
    out = tmp_path / "profile"
    out.mkdir()
    (out / "measurements.csv").write_text(ROW_HEADER)
    record = {**hardware.this_machine("cpu"), "processor": "Intel(R) Xeon(R) Processor from elsewhere"}
    (out / hardware.RECORD).write_text(json.dumps(record))
    command = [sys.executable, "-m", "energy_lint", "calibrate", "--name", "x", "--suite", str(suite)]
    command += ["--out", str(out), "--budget", "30s", "--no-fit"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and "from elsewhere" in line and "--measurements" in line
    assert (out / "measurements.csv").read_text() == ROW_HEADER  # nothing measured, nothing lost
