"""Say how CodeCarbon obtained each component's power, so that no estimate passes for a
measurement: an NVML energy counter and RAPL are measurements; CPU load x TDP and constant RAM
power are CodeCarbon's estimates."""

from __future__ import annotations

from typing import Any

_CPU_MODES = {
    "intel_rapl": "RAPL energy counter (measured)",
    "windows_emi": "Windows energy meter (measured)",
    "intel_power_gadget": "Intel Power Gadget (measured)",
    "cpu_load": "CodeCarbon estimate from CPU load x TDP (not a measurement)",
    "constant": "CodeCarbon constant TDP estimate (not a measurement)",
}


GPU_BETWEEN_STEPS = "NVML total energy counter, mean power between its updates (measured)"
GPU_DELTA = "NVML total energy counter (measured)"


def power_sources(tracker: Any, gpu_between_steps: bool = False) -> dict[str, str]:
    """{"cpu": ..., "gpu": ..., "ram": ...} for the hardware a CodeCarbon tracker found."""
    sources: dict[str, str] = {}
    for hardware in getattr(tracker, "_hardware", []):
        kind = type(hardware).__name__
        if kind == "CPU":
            mode = getattr(hardware, "_mode", "unknown")
            sources["cpu"] = _CPU_MODES.get(mode, f"CodeCarbon mode {mode!r}")
        elif kind == "GPU":
            sources["gpu"] = GPU_BETWEEN_STEPS if gpu_between_steps else GPU_DELTA
        elif kind == "RAM":
            sources["ram"] = "CodeCarbon estimate from installed memory (not a measurement)"
    return sources


def summary(sources: dict[str, str]) -> str:
    """One word for tables: "measured" only when every component was measured."""
    if sources and all("(measured)" in text for text in sources.values()):
        return "measured"
    if any("(measured)" in text for text in sources.values()):
        return "partly estimated"
    return "estimated"
