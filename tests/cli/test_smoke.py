"""Each command once in a fresh interpreter, as users and pre-commit run it (the other CLI tests
run in-process): the entry point, exit codes and streams are those of a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
TIMEOUT_S = 120


def energy_lint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "energy_lint", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=cwd, env=env)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def test_check_reports_json_and_exits_1_on_a_violation(tmp_path: Path) -> None:
    (tmp_path / "energy-lint.toml").write_text('[budgets]\nforward-pass = "1 mJ"\n')
    result = energy_lint("check", str(EXAMPLES / "mobilenet.json"), "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    [model] = json.loads(result.stdout)["models"]
    assert "EL101" in {violation["code"] for violation in model["violations"]}


def test_check_exits_2_naming_an_unreadable_file_and_reports_the_rest(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{")
    result = energy_lint(
        "check", "broken.json", str(EXAMPLES / "mobilenet.json"), "--format", "json", cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: broken.json: ")
    assert len(json.loads(result.stdout)["models"]) == 1


def test_inspect_prints_one_json_document(tmp_path: Path) -> None:
    result = energy_lint("inspect", str(EXAMPLES / "resnet50.json"), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [model] = json.loads(result.stdout)["models"]
    assert model["params"] == 25_636_712


def test_rules_and_profiles_list_what_is_there(tmp_path: Path) -> None:
    rules = energy_lint("rules", cwd=tmp_path)
    assert rules.returncode == 0 and rules.stdout.startswith("EL101")
    profiles = energy_lint("profiles", "--format", "json", cwd=tmp_path)
    assert profiles.returncode == 0
    assert "cpu-epyc-2core-tf" in {p["name"] for p in json.loads(profiles.stdout)["profiles"]}


def test_version_names_the_program(tmp_path: Path) -> None:
    result = energy_lint("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("energy-lint, version ")
