"""Errors a user can cause and fix: each renders as one line, and the CLI exits with 2."""

from __future__ import annotations


class EnergyLintError(Exception):
    """A problem with the user's input, not a bug: shown as one line, never as a traceback."""


class ModelReadError(EnergyLintError):
    """A model file that cannot be read: the message names the file and the problem."""

    def __init__(self, path: str, problem: str) -> None:
        # A file or layer name may hold a newline; the error must stay one line on stderr.
        super().__init__(one_line(f"{path}: {problem}"))
        self.path = path
        self.problem = problem


def first_line(error: BaseException) -> str:
    """The first line of a library's error message (Keras, onnx, onnxruntime and xgboost write
    several, a C++ stack among them), or its type where it says nothing."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def unexpected(path: str, doing: str, error: Exception) -> ModelReadError:
    """An exception energy-lint did not expect while reading or pricing one file: a bug, or an
    input no check catches yet. It becomes that file's one-line error, naming its type and
    message so that it can be reported, and the run goes on with the next file."""
    return ModelReadError(
        path, f"unexpected {type(error).__name__} while {doing}: {error} (please report this file)"
    )


_LINE_BREAKING = [*range(32), 0x7F, 0x85, 0x2028, 0x2029]
_ESCAPES = {code: ascii(chr(code))[1:-1] for code in _LINE_BREAKING}


def one_line(text: str) -> str:
    """`text` with control characters and line separators escaped: one error, one line."""
    return text.translate(_ESCAPES)
