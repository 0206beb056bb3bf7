"""Errors a user can cause and fix: each renders as one line, and the CLI exits with 2."""

from __future__ import annotations


class EnergyLintError(Exception):
    """A problem with the user's input, not a bug: shown as one line, never as a traceback."""


class ModelReadError(EnergyLintError):
    """A model file that cannot be read: the message names the file and the problem."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
