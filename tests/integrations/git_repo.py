"""Real temporary git repositories for the tests of the pre-commit hook, the GitHub Action and
--diff-base: git itself, run in a subprocess, with an identity and no user configuration."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "energy-lint tests",
    "GIT_AUTHOR_EMAIL": "tests@energy-lint.invalid",
    "GIT_COMMITTER_NAME": "energy-lint tests",
    "GIT_COMMITTER_EMAIL": "tests@energy-lint.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, env={**os.environ, **GIT_ENV}
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def new_repo(path: Path, branch: str = "main") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "--quiet", "--initial-branch", branch)
    return path


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", message)
    return git(repo, "rev-parse", "HEAD").strip()


def copy_example(name: str, destination: Path) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(EXAMPLES / name, destination)
    return destination
