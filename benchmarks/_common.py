"""Helpers shared by the benchmark scripts: measuring one child process, summarising runs,
describing the machine and writing a section of benchmarks/RESULTS.md.

Standard library only, so that importing this module never imports Keras or TensorFlow."""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
RESULTS = BENCHMARKS / "RESULTS.md"


@dataclass(frozen=True)
class Run:
    """One finished child process: wall time from spawn to reaping, and its own peak RSS."""

    wall_s: float
    max_rss_mib: float
    returncode: int
    floor_mib: float
    """Peak RSS of the launcher that spawned it: no child can report less (see measure)."""


# Spawns the command with stdout and stderr on /dev/null, reaps it with os.wait4 and prints its
# wall time and ru_maxrss. Linux carries the parent's peak RSS into a child's ru_maxrss (the
# child starts as a fork or vfork of the parent and exec keeps the high-water mark), so the
# command must be spawned by a small process: this one runs with -S (no site, ~10 MiB), not by
# the benchmark process, which may hold 100+ MiB of parsed output.
_LAUNCHER = r"""
import json, os, sys, time
argv = json.loads(sys.argv[1])
null = os.open(os.devnull, os.O_WRONLY)
actions = [(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)]
with open("/proc/self/status") as status:  # VmHWM: this process's own peak, in kB
    floor = next((int(l.split()[1]) for l in status if l.startswith("VmHWM:")), 0)
start = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print(json.dumps([wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status), floor]))
"""


def measure(command: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """Run `command` once as a fresh process (output to /dev/null): wall time and peak RSS.

    Wall time runs from spawning the process to reaping it. Peak RSS is the process's own
    ru_maxrss from os.wait4 (KiB on Linux); resource.getrusage(RUSAGE_CHILDREN) would give the
    largest child so far instead, so after the 1 GiB Keras run every later run would read 1 GiB."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", _LAUNCHER, json.dumps(list(command))],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=True,
    )
    wall, rss_kib, code, floor_kib = json.loads(done.stdout)
    return Run(wall, rss_kib / 1024, code, floor_kib / 1024)


@dataclass(frozen=True)
class Summary:
    runs: int
    wall_median: float
    wall_min: float
    wall_max: float
    rss_median: float
    rss_max: float


def summarise(runs: Sequence[Run]) -> Summary:
    walls = [r.wall_s for r in runs]
    rss = [r.max_rss_mib for r in runs]
    return Summary(
        len(runs), statistics.median(walls), min(walls), max(walls), statistics.median(rss), max(rss)
    )


def _run_text(command: Sequence[str]) -> str:
    try:
        return subprocess.run(list(command), capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""


def machine() -> dict[str, str]:
    """What the results were measured on: from nproc, free -g and lscpu, as the README asks."""
    cpu = ""
    for line in _run_text(["lscpu"]).splitlines():
        if line.startswith("Model name"):
            cpu = line.split(":", 1)[1].strip()
    memory = ""
    for line in _run_text(["free", "-g"]).splitlines():
        if line.startswith("Mem:"):
            memory = f"{line.split()[1]} GiB of memory by free -g"
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(next(line for line in meminfo if line.startswith("MemTotal:")).split()[1])
        memory += f" (MemTotal {kib / 2**20:.1f} GiB)"
    except (OSError, StopIteration, ValueError):
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "date": datetime.date.today().isoformat(),
        "cpus": (_run_text(["nproc"]).strip() or str(os.cpu_count())) + " (nproc)",
        "cpu": cpu or platform.processor() or "unknown",
        "memory": memory or "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_version()} ({sys.executable})",
        "load": f"{load} (1, 5, 15 min load average when the script started)",
        "commit": git_commit(),
    }


def git_commit() -> str:
    commit = _run_text(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]).strip() or "unknown"
    dirty = _run_text(["git", "-C", str(REPO), "status", "--porcelain", "--", "energy_lint"]).strip()
    return commit + (" (energy_lint/ has uncommitted changes)" if dirty else "")


def machine_lines(info: dict[str, str]) -> list[str]:
    return [
        f"- Date: {info['date']}",
        f"- Machine: {info['cpus']} CPUs, {info['cpu']}, {info['memory']}, {info['os']}",
        f"- Python: {info['python']}",
        f"- energy-lint commit: {info['commit']}",
        f"- Load: {info['load']}",
    ]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[int] = ()) -> str:
    align = ["---:" if i in right else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


_HEADER = """# Benchmark results

Written by the scripts in this folder (see README.md here for what each one measures). Each
section says when, on what machine and with which command it was produced; rerun the command
to replace it.
"""


def write_section(name: str, body: str) -> Path:
    """Replace (or append) the section between the markers for `name` in RESULTS.md."""
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    block = f"{begin}\n{body.rstrip()}\n{end}\n"
    text = RESULTS.read_text() if RESULTS.exists() else _HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    found = pattern.search(text)
    text = pattern.sub(lambda _: block, text) if found else text.rstrip() + "\n\n" + block
    RESULTS.write_text(text)
    return RESULTS


def energy_lint_command() -> list[str]:
    """The installed console script beside this interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / "energy-lint"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("energy-lint")
    if found:
        return [found]
    sys.exit("energy-lint is not installed in this environment: pip install -e '.[test]'")


def quiet_env() -> dict[str, str]:
    """The environment for children that import TensorFlow: its C++ log lines silenced."""
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
