"""The check path (reading, features, profiles, trees, estimates) imports no heavy library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from energy_lint.report import CHECK_FORMATS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[1]
HEAVY = (
    "tensorflow",
    "keras",
    "tf_keras",
    "sklearn",
    "xgboost",
    "catboost",
    "codecarbon",
    "pandas",
    "torch",
    "jax",
)
LIGHT_ONLY_FOR_ONNX = ("onnx", "google")
"""The onnx package loads only for an .onnx file, and then without protobuf's Python runtime."""

SCRIPT = f"""
import sys
from pathlib import Path
import numpy as np
from energy_lint.cli.app import cli
from energy_lint.estimation.forward_pass import estimate
from energy_lint.graph import read_model
from energy_lint.estimation.profile import FamilyPredictor, HardwareProfile
from energy_lint.estimation.trees import TreeEnsemble

leaf = TreeEnsemble(np.array([-1]), np.array([0.0]), np.array([-1]), np.array([-1]),
                    np.array([0.0]), np.array([0]), n_features=5)
generic = FamilyPredictor("generic", ("log_macs", "log_input_elements", "log_output_elements",
                          "log_params", "log_batch"), leaf, (0.0, 0.0), {{}})
profile = HardwareProfile(Path("."), {{}}, {{}}, generic)
result = estimate(read_model({str(ROOT / "examples" / "resnet50.json")!r}), profile)
assert result.energy_j > 0
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY + LIGHT_ONLY_FOR_ONNX!r}))
print(",".join(heavy))
"""


def test_check_path_imports_no_heavy_library() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


CHECK_SCRIPT = f"""
import sys
from energy_lint.cli.app import cli
try:
    cli(["check", {str(ROOT / "examples" / "resnet50.json")!r}, "--country", "DEU", "--format", sys.argv[1]])
except SystemExit as exit:
    assert exit.code in (0, 1), exit.code
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY + LIGHT_ONLY_FOR_ONNX!r}))
print("HEAVY:" + ",".join(heavy), file=sys.stderr)
"""


@pytest.mark.parametrize("output_format", list(CHECK_FORMATS))
def test_check_command_imports_no_heavy_library(tmp_path: Path, output_format: str) -> None:
    """In every output format: a report is no reason to load a machine-learning library."""
    result = subprocess.run(
        [sys.executable, "-c", CHECK_SCRIPT, output_format],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "resnet50" in result.stdout
    assert "HEAVY:\n" in result.stderr + "\n" and "HEAVY:," not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "HEAVY:"


ONNX_SCRIPT = f"""
import sys
from energy_lint.cli.app import cli
try:
    cli(["check", sys.argv[1], "--format", "json"])
except SystemExit as exit:
    assert exit.code in (0, 1), exit.code
modules = {{m.split(".")[0] for m in sys.modules}}
print("HEAVY:" + ",".join(sorted(modules & set({(*HEAVY, "google")!r}))), file=sys.stderr)
print("ONNX:" + str("onnx" in modules), file=sys.stderr)
"""


def test_onnx_check_loads_onnx_without_protobuf_or_heavy_libraries(tmp_path: Path) -> None:
    from tests.graph.onnx.builders import conv_model

    path = conv_model(tmp_path / "conv.onnx", dims=(1, 3, 32, 32))
    result = subprocess.run(
        [sys.executable, "-c", ONNX_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert '"macs": 221184' in result.stdout
    assert result.stderr.strip().splitlines()[-2:] == ["HEAVY:", "ONNX:True"]
