"""Run `energy-lint check` as users do, away from the repository's own configuration (its
pyproject.toml has demo budgets): in this process (tests/in_process.py), from `cwd`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.in_process import invoke

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
REFERENCE = REPO / "calibration" / "models"
CPU_PROFILE = "cpu-xeon-2core-tf-ctx"


def run_check(
    *args: Any, cwd: Path, profile: str | None = CPU_PROFILE, env: dict[str, str | None] | None = None
) -> subprocess.CompletedProcess[str]:
    command = ["check", *map(str, args)]
    if profile:
        command += ["--profile", profile]
    return invoke(*command, cwd=cwd, env=env)


def document(result: subprocess.CompletedProcess) -> dict[str, Any]:
    data = json.loads(result.stdout)
    assert data["version"] == 1
    return data


def codes(result: subprocess.CompletedProcess) -> set[str]:
    return {v["code"] for model in document(result)["models"] for v in model["violations"]}
