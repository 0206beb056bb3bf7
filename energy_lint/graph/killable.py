"""Run one read in a forked child that can be killed: libhdf5 loops forever on some corrupt
global heaps, inside C code that ignores SIGINT and never returns to Python, so a timeout can
only be kept from outside the process. The fork inherits the imported h5py, so it costs a few
milliseconds, not an interpreter start; its address space is capped, so a file that decodes
into gigabytes fails there instead of exhausting the machine."""

from __future__ import annotations

import gc
import os
import select
import signal
import struct
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import ModelReadError

READ_TIMEOUT_S = 10.0
"""Reading a real model_config (3 MB for the largest keras.applications) takes milliseconds."""
CHILD_MEMORY_BYTES = 1 << 30
"""Address space the child may add to what it inherits: 16x the largest config's bytes."""

_HEADER = struct.Struct("<cQ")


def read_killable(
    read: Callable[[], tuple[bytes, str | None]],
    path: Path,
    what: str,
    timeout_s: float = READ_TIMEOUT_S,
) -> tuple[bytes, str | None]:
    """`read()` run in a child killed after `timeout_s`; its ModelReadError comes back as such.
    Where there is no fork (Windows), `read()` runs here."""
    if not hasattr(os, "fork"):
        return read()
    readable, writable = os.pipe()
    _widen(writable)
    pid = os.fork()
    if pid == 0:  # the child: report and leave without running the parent's exit handlers
        gc.disable()  # a collection would touch, and so copy, every page of the parent's heap
        try:
            os.close(readable)
            _send(writable, _run(read))
        finally:
            os._exit(0)
    os.close(writable)
    try:
        message = _receive(readable, time.monotonic() + timeout_s)
    except TimeoutError:
        raise ModelReadError(
            str(path), f"reading {what} took over {timeout_s:g} s (a corrupt HDF5 file?)"
        ) from None
    finally:
        os.close(readable)
        status = _reap(pid)
    return _result(message, status, path, what)


def _widen(fd: int) -> None:
    """A 1 MiB pipe (Linux) rather than 64 KiB: a 3 MB config crosses in 3 wake-ups, not 48."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass


def _run(read: Callable[[], tuple[bytes, str | None]]) -> tuple[bytes, bytes]:
    _cap_memory()
    try:
        raw, version = read()
    except ModelReadError as error:
        return b"E", error.problem.encode("utf-8", "replace")
    except MemoryError:
        return b"M", b""
    except Exception as error:  # a bug: reported by type and message, as the boundary does
        return b"E", f"unexpected {type(error).__name__}: {error}".encode("utf-8", "replace")
    version_bytes = b"" if version is None else b"\x01" + version.encode("utf-8", "replace")
    return b"K", struct.pack("<Q", len(raw)) + raw + version_bytes


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


def _result(message: bytes, status: int, path: Path, what: str) -> tuple[bytes, str | None]:
    if len(message) < _HEADER.size:
        signalled = os.WIFSIGNALED(status)
        how = f"signal {os.WTERMSIG(status)}" if signalled else f"exit {os.WEXITSTATUS(status)}"
        raise ModelReadError(str(path), f"the HDF5 library stopped while reading {what} ({how})")
    kind, size = _HEADER.unpack_from(message)
    body = message[_HEADER.size :]
    if len(body) != size:
        raise ModelReadError(str(path), f"the HDF5 library stopped while reading {what}")
    if kind == b"M":
        raise ModelReadError(str(path), f"{what} needs more than {CHILD_MEMORY_BYTES >> 30} GiB to decode")
    if kind == b"E":
        raise ModelReadError(str(path), body.decode("utf-8", "replace"))
    (length,) = struct.unpack_from("<Q", body)
    raw, rest = body[8 : 8 + length], body[8 + length :]
    return raw, rest[1:].decode("utf-8") if rest else None
