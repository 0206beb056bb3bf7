"""Run one read in a forked child that can be killed: libhdf5 loops forever on some corrupt
global heaps, inside C code that ignores SIGINT and never returns to Python, so a timeout can
only be kept from outside the process. The fork inherits the imported h5py, so it costs a few
milliseconds, not an interpreter start; its address space is capped, so a file that decodes
into gigabytes fails there instead of exhausting the machine."""

from __future__ import annotations

import contextlib
import gc
import os
import select
import signal
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import EnergyLintError, ModelReadError

READ_TIMEOUT_S = 10.0
"""Reading a real model_config (3 MB for the largest keras.applications) takes milliseconds."""
CHILD_MEMORY_BYTES = 1 << 30
"""Address space the child may add to what it inherits: 16x the largest config's bytes."""

_HEADER = struct.Struct("<cQ")


@dataclass(frozen=True)
class Work:
    """What a killable call does, named for its messages: `verb` and `subject` ("reading",
    "model_config"), the C `library` that may stop the child, and a `hint` for a call that
    never returns."""

    verb: str
    subject: str
    library: str
    hint: str

    @property
    def doing(self) -> str:
        return f"{self.verb} {self.subject}"


def run_killable(work: Callable[[], bytes], what: Work, timeout_s: float = READ_TIMEOUT_S) -> bytes:
    """`work()` run in a forked child killed after `timeout_s`, its bytes back; an EnergyLintError
    it raises comes back as one (its message), and so does a child that stopped (a C assertion's
    abort, a kill) or ran out of its memory. Where there is no fork (Windows), it runs here."""
    if not hasattr(os, "fork"):
        return work()
    readable, writable = os.pipe()
    _widen(writable)
    pid = os.fork()
    if pid == 0:  # the child: report and leave without running the parent's exit handlers
        gc.disable()  # a collection would touch, and so copy, every page of the parent's heap
        try:
            os.close(readable)
            _send(writable, _run(work))
        finally:
            os._exit(0)
    os.close(writable)
    try:
        message = _receive(readable, time.monotonic() + timeout_s)
    except TimeoutError:
        raise EnergyLintError(f"{what.doing} took over {timeout_s:g} s ({what.hint})") from None
    finally:
        os.close(readable)
        status = _reap(pid)
    return _result(message, status, what)


def read_killable(
    read: Callable[[], tuple[bytes, str | None]],
    path: Path,
    what: str,
    timeout_s: float = READ_TIMEOUT_S,
) -> tuple[bytes, str | None]:
    """`read()` of an HDF5 attribute (its bytes and the Keras version beside them) run killably;
    a failure is a ModelReadError naming the file."""

    def packed() -> bytes:
        raw, version = read()
        version_bytes = b"" if version is None else b"\x01" + version.encode("utf-8", "replace")
        return struct.pack("<Q", len(raw)) + raw + version_bytes

    work = Work("reading", what, "HDF5", "a corrupt HDF5 file?")
    try:
        body = run_killable(packed, work, timeout_s)
    except ModelReadError:
        raise
    except EnergyLintError as error:
        raise ModelReadError(str(path), str(error)) from None
    (length,) = struct.unpack_from("<Q", body)
    raw, rest = body[8 : 8 + length], body[8 + length :]
    return raw, rest[1:].decode("utf-8") if rest else None


def _widen(fd: int) -> None:
    """A 1 MiB pipe (Linux) rather than 64 KiB: a 3 MB config crosses in 3 wake-ups, not 48."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass


def _run(work: Callable[[], bytes]) -> tuple[bytes, bytes]:
    _cap_memory()
    _quiet()
    try:
        body = work()
    except EnergyLintError as error:
        problem = error.problem if isinstance(error, ModelReadError) else str(error)
        return b"E", problem.encode("utf-8", "replace")
    except MemoryError:
        return b"M", b""
    except Exception as error:  # a bug: reported by type and message, as the boundary does
        return b"E", f"unexpected {type(error).__name__}: {error}".encode("utf-8", "replace")
    return b"K", body


def _quiet() -> None:
    """The child's stderr goes nowhere: a C library's own diagnostics (a failed assertion's
    line before its abort) would break the one `error: PATH: problem` line the parent says."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)


def _cap_memory() -> None:
    try:
        import resource

        with open("/proc/self/statm") as statm:
            inherited = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = inherited + CHILD_MEMORY_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, OSError, ValueError):
        pass  # no /proc or no rlimit: the read still has its timeout


def _send(fd: int, message: tuple[bytes, bytes]) -> None:
    kind, body = message
    data = memoryview(_HEADER.pack(kind, len(body)) + body)
    while data:
        data = data[os.write(fd, data) :]


def _receive(fd: int, deadline: float) -> bytes:
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _reap(pid: int) -> int:
    """Kill the child if it is still running; its wait status."""
    done, status = os.waitpid(pid, os.WNOHANG)
    if done == 0:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    return status


def _result(message: bytes, status: int, what: Work) -> bytes:
    stopped = f"the {what.library} library stopped while {what.doing}"
    if len(message) < _HEADER.size:
        signalled = os.WIFSIGNALED(status)
        how = f"signal {os.WTERMSIG(status)}" if signalled else f"exit {os.WEXITSTATUS(status)}"
        raise EnergyLintError(f"{stopped} ({how})")
    kind, size = _HEADER.unpack_from(message)
    body = message[_HEADER.size :]
    if len(body) != size:
        raise EnergyLintError(stopped)
    if kind == b"M":
        raise EnergyLintError(f"{what.subject} needs more than {CHILD_MEMORY_BYTES >> 30} GiB of memory")
    if kind == b"E":
        raise EnergyLintError(body.decode("utf-8", "replace"))
    return body
