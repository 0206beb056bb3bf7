"""Which machine a measurements CSV belongs to, so that a resumed campaign never mixes two
processors or two GPUs in one profile: `hardware.json` beside the CSV records the machine that
measured it, and a campaign on another machine is refused before anything is measured."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

from ..errors import EnergyLintError

RECORD = "hardware.json"
IDENTITY_KEYS = ("device_kind", "processor")
"""What must match: the kind of device measured and the processor that did the work (the CPU's
model for cpu, the GPU's name for gpu:N). Core counts and memory are recorded, not compared."""


def cpu_model() -> str:
    """The CPU's model name as the kernel reports it (lscpu's "Model name")."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def gpu_name(device: str) -> str:
    """The name NVML gives the GPU of `gpu:N` (nvidia-ml-py comes with codecarbon)."""
    try:
        import pynvml

        pynvml.nvmlInit()
        name = pynvml.nvmlDeviceGetName(pynvml.nvmlDeviceGetHandleByIndex(int(device.split(":")[1])))
        return name.decode() if isinstance(name, bytes) else str(name)
    except Exception:  # no NVML, no such GPU: check_gpu reports that in its own words
        return "unknown GPU"


def this_machine(device: str) -> dict[str, Any]:
    kind = "gpu" if device.startswith("gpu") else "cpu"
    return {
        "device_kind": kind,
        "processor": gpu_name(device) if kind == "gpu" else cpu_model(),
        "cpu_model": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "system": platform.platform(),
    }


def claim(csv_path: Path, machine: dict[str, Any]) -> str | None:
    """Refuse to add this machine's rows to a CSV another machine measured; record this machine
    for a CSV that has no record yet. Returns a warning when earlier rows exist without a record
    (their machine is unknown)."""
    record_path = csv_path.parent / RECORD
    if record_path.exists():
        try:
            recorded = json.loads(record_path.read_text())
        except (OSError, ValueError) as error:
            raise EnergyLintError(f"{record_path}: cannot be read ({error})") from None
        for key in IDENTITY_KEYS:
            if str(recorded.get(key)) != str(machine[key]):
                raise EnergyLintError(
                    f"{csv_path} was measured on {recorded.get(key)!r} ({record_path}) and this machine "
                    f"has {machine[key]!r}: measure into another file (--measurements) for another profile"
                )
        return None
    had_rows = csv_path.exists() and csv_path.stat().st_size > 0
    record_path.write_text(json.dumps(machine, indent=2) + "\n")
    if had_rows:
        return f"{csv_path} has rows from a machine nobody recorded; {record_path} now names this one"
    return None
