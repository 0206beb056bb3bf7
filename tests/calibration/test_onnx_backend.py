"""onnxruntime runs an .onnx model for `measure`, and its profiler times each node in context."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.graph.onnx.builders import conv_model

pytest.importorskip("onnxruntime")

from energy_lint.calibration import onnx_backend


def test_forward_pass_runs_the_inferred_shapes(tmp_path: Path) -> None:
    path = conv_model(tmp_path / "conv.onnx")
    graph, forward, version = onnx_backend.forward_pass(path, 2, ((3, 16, 16),))
    (output,) = forward()
    assert output.shape == (2, 8, 16, 16) and graph.input_shapes == [(2, 3, 16, 16)]
    assert version


def test_node_times_come_from_the_profiler_in_run_order(tmp_path: Path) -> None:
    path = conv_model(tmp_path / "conv.onnx", dims=(1, 3, 32, 32))
    nodes = onnx_backend.node_times(path, 1, (), runs=5)
    assert nodes and all(node["median_us"] >= 0 for node in nodes)
    assert "Conv" in {node["op"] for node in nodes}
    assert sum(node["share"] for node in nodes) == pytest.approx(1.0)


@pytest.mark.slow
def test_measure_command_on_an_onnx_model(tmp_path: Path) -> None:
    path = conv_model(tmp_path / "conv.onnx", dims=(1, 3, 32, 32))
    done = subprocess.run(
        [sys.executable, "-m", "energy_lint", "measure", str(path), "--format", "json", "--nodes",
         "--min-seconds", "0.2", "--repeats", "1"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["energy_j"] > 0 and result["backend"].startswith("onnxruntime")
    assert "cpu" in result["power_source"]  # how its power was obtained, measured or estimated
    assert any(node["op"] == "Conv" for node in result["nodes"])
