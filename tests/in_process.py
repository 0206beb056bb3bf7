"""Run an `energy-lint` command in this process with click's CliRunner: the same command line,
exit code, stdout and stderr as a fresh interpreter gives, without paying for one. A few smoke
tests (tests/cli/test_smoke.py) still start real processes, as users do."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from energy_lint.cli.app import cli


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    """The command finds its configuration from the current directory, as a user's would."""
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def invoke(
    *args: Any, cwd: Path, env: Mapping[str, str | None] | None = None
) -> subprocess.CompletedProcess[str]:
    """`energy-lint ARGS` from `cwd`, with `env` set for the call; an exception the command
    did not turn into an exit code (a traceback for a user) is raised here and fails the test."""
    argv = [str(arg) for arg in args]
    with _working_directory(cwd):
        result = CliRunner().invoke(cli, argv, env=dict(env or {}), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["energy-lint", *argv], result.exit_code, result.stdout, result.stderr)
