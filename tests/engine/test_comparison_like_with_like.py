"""A comparison compares the model and nothing else: --baseline refuses figures of another batch
size or profile (an unchanged model read +467% at --batch-size 32), and --diff-base prices each
side with its own input shapes (a model whose input changed between the commits was refused)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.check_cli import CPU_PROFILE, EXAMPLES, document, run_check
from tests.graph.test_build import functional, layer, tensor

MODEL = EXAMPLES / "mobilenet_v3_small.json"


def baseline(tmp_path: Path, *args: str) -> Path:
    report = run_check(MODEL, "--format", "json", *args, cwd=tmp_path)
    path = tmp_path / "baseline.json"
    path.write_text(report.stdout)
    return path


def test_baseline_at_another_batch_size_is_refused(tmp_path: Path) -> None:
    saved = baseline(tmp_path)
    result = run_check(MODEL, "--batch-size", "32", "--baseline", saved, cwd=tmp_path)
    assert result.returncode == 2
    assert "priced it at batch size 1, this run at 32" in result.stderr
    assert "EL104" not in result.stdout


def test_baseline_of_another_profile_is_refused(tmp_path: Path) -> None:
    saved = baseline(tmp_path)
    result = run_check(MODEL, "--baseline", saved, cwd=tmp_path, profile="cpu-epyc-2core-tf")
    assert result.returncode == 2
    assert f"priced on profile '{CPU_PROFILE}', this run on 'cpu-epyc-2core-tf'" in result.stderr


def test_same_batch_and_profile_compare_as_unchanged(tmp_path: Path) -> None:
    saved = baseline(tmp_path, "--batch-size", "32")
    result = run_check(MODEL, "--batch-size", "32", "--baseline", saved, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert document(result)["models"][0]["base"]["change"] == 0.0


def mlp(width: int) -> dict:
    config = functional(
        [layer("Dense", "d", {"units": 512}, [tensor("x", [None, width])])], [["x", 0, 0]], [["d", 0, 0]]
    )
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, width]
    return config


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_diff_base_prices_each_side_with_its_own_input_shape(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@example.com")
    git(tmp_path, "config", "user.name", "t")
    model = tmp_path / "model.json"
    model.write_text(json.dumps(mlp(8)))
    git(tmp_path, "add", "model.json")
    git(tmp_path, "commit", "-qm", "8 features")
    model.write_text(json.dumps(mlp(4096)))
    result = run_check(model, "--diff-base", "HEAD", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # no regression budget is configured
    entry = document(result)["models"][0]
    assert entry["input_shape"] == [1, 4096]
    assert entry["base"]["energy_j"] is not None
    assert entry["base"]["change"] > 0  # 4096 inputs (2 M MACs) cost more than 8 (4 k MACs)
