"""The killable read: what libhdf5 does in C (loop forever ignoring SIGINT, decode gigabytes,
crash) stays in a forked child, and comes back as one line naming the file."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from energy_lint.errors import ModelReadError
from energy_lint.graph import killable
from energy_lint.graph.killable import read_killable

PATH = Path("model.h5")


def problem(read, timeout_s: float = killable.READ_TIMEOUT_S) -> str:
    with pytest.raises(ModelReadError) as caught:
        read_killable(read, PATH, "model_config", timeout_s)
    assert caught.value.path == str(PATH)
    return caught.value.problem


def test_the_value_read_comes_back_whole() -> None:
    raw = bytes(range(256)) * 20_000  # 5 MB: more than a pipe holds at once
    assert read_killable(lambda: (raw, "3.15.1"), PATH, "model_config") == (raw, "3.15.1")
    assert read_killable(lambda: (b"{}", None), PATH, "model_config") == (b"{}", None)


def test_a_read_that_never_returns_and_ignores_sigint_is_killed() -> None:
    def stuck() -> tuple[bytes, str | None]:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # as libhdf5's loop does in effect
        while True:
            time.sleep(1)

    started = time.monotonic()
    assert problem(stuck, timeout_s=0.5) == "reading model_config took over 0.5 s (a corrupt HDF5 file?)"
    assert time.monotonic() - started < 5


def test_the_childs_own_error_comes_back_as_it_was() -> None:
    def refuse() -> tuple[bytes, str | None]:
        raise ModelReadError(str(PATH), "model_config attribute is not text")

    assert problem(refuse) == "model_config attribute is not text"


def test_a_read_that_needs_gigabytes_fails_in_the_child() -> None:
    def bomb() -> tuple[bytes, str | None]:
        return bytes(killable.CHILD_MEMORY_BYTES + (1 << 28)), None

    assert problem(bomb) == "model_config needs more than 1 GiB of memory"


def test_a_child_killed_midway_is_named() -> None:
    def crash() -> tuple[bytes, str | None]:
        os.kill(os.getpid(), signal.SIGKILL)
        return b"", None

    assert problem(crash) == f"the HDF5 library stopped while reading model_config (signal {signal.SIGKILL})"


def test_an_unexpected_exception_names_its_type() -> None:
    def bug() -> tuple[bytes, str | None]:
        raise KeyError("x")

    assert problem(bug) == "unexpected KeyError: 'x'"


def test_a_library_that_aborts_is_one_line_and_its_own_stderr_stays_in_the_child(capfd) -> None:
    """What onnx's C++ shape inference does on some damaged files (a failed assertion, printed,
    then abort()): the parent says one line and the assertion's text never reaches its stderr."""
    from energy_lint.errors import EnergyLintError
    from energy_lint.graph.onnx.inference import INFERENCE

    def assertion() -> bytes:
        os.write(2, b"stl_algo.h:3626: std::clamp: Assertion '!(__hi < __lo)' failed.\n")
        os.abort()

    with pytest.raises(EnergyLintError) as caught:
        killable.run_killable(assertion, INFERENCE)
    assert str(caught.value) == (
        f"the ONNX library stopped while running ONNX shape inference (signal {signal.SIGABRT})"
    )
    assert capfd.readouterr().err == ""
