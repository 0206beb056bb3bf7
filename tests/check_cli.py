"""Run `energy-lint check` in a fresh interpreter, as users do, away from the repository's own
configuration (its pyproject.toml has demo budgets)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
REFERENCE = REPO / "calibration" / "models"
CPU_PROFILE = "cpu-xeon-2core-tf"
TIMEOUT_S = 60


def run_check(*args: Any, cwd: Path, profile: str | None = CPU_PROFILE) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "energy_lint", "check", *map(str, args)]
    if profile:
        command += ["--profile", profile]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=cwd, env=env)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def document(result: subprocess.CompletedProcess) -> dict[str, Any]:
    data = json.loads(result.stdout)
    assert data["version"] == 1
    return data


def codes(result: subprocess.CompletedProcess) -> set[str]:
    return {v["code"] for model in document(result)["models"] for v in model["violations"]}
