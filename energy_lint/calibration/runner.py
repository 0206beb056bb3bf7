"""Measure the energy of forward passes under CodeCarbon: the ground truth of `measure` and the
rows of `calibrate`. One forward pass is far too short for CodeCarbon to resolve, so passes run
back to back for at least `min_seconds`, repeated, with the idle power measured just before."""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from .gpu_counter import mean_power_w
from .power import power_sources

KWH = 3.6e6


@dataclass
class Measurement:
    """Energy and time of one forward pass of one batch, as medians over `repeats` runs."""

    energy_j: float
    duration_s: float
    n_passes: int
    repeats: int
    energy_spread: float
    """(max - min) / median of the per-pass energy over the repeats: the floor of any error."""
    cpu_energy_j: float
    gpu_energy_j: float
    ram_energy_j: float
    idle_power_w: float
    power_source: dict[str, str] = field(default_factory=dict)
    tracker: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_TRACKERS: dict[str, Any] = {}


def _tracker(device: str) -> Any:
    """One CodeCarbon tracker per device for the whole process. Each run is a CodeCarbon task,
    whose energy is the delta of the counters between its start and stop; a new tracker per run
    would cost over a second of hardware probing each time."""
    if device in _TRACKERS:
        return _TRACKERS[device]
    import logging

    import codecarbon
    from codecarbon import OfflineEmissionsTracker

    logging.getLogger("codecarbon").setLevel(logging.ERROR)
    gpu_ids = [int(device.split(":")[1])] if device.startswith("gpu:") else None
    tracker = OfflineEmissionsTracker(
        country_iso_code="USA",  # carbon is computed elsewhere; only energy is used here
        measure_power_secs=0.5,
        save_to_file=False,
        log_level="error",
        allow_multiple_runs=True,
        tracking_mode="machine",
        gpu_ids=gpu_ids,
    )
    tracker.version = getattr(codecarbon, "__version__", "?")
    tracker.start_task("probe")  # the first task probes the hardware: keep that out of runs
    tracker.stop_task("probe")
    _TRACKERS[device] = tracker
    return tracker


_WATCHES: dict[str, Any] = {}


def _watch(device: str) -> Any:
    """The counter watch of a GPU device (None for the CPU, or where NVML cannot be read)."""
    if not device.startswith("gpu:"):
        return None
    if device not in _WATCHES:
        from .gpu_counter import CounterWatch

        try:
            _WATCHES[device] = CounterWatch(int(device[4:]))
        except Exception:  # no pynvml or no counter: CodeCarbon's own delta stands
            _WATCHES[device] = None
    return _WATCHES[device]


def _run(device: str, work: Callable[[], int]) -> tuple[float, dict[str, float], int, Any]:
    """Run `work` as one CodeCarbon task: (seconds, energy per component in J, passes done,
    the tracker). On a GPU the GPU's share comes from the counter's steps (gpu_counter)."""
    tracker = _tracker(device)
    watch = _watch(device)
    with watch if watch is not None else contextlib.nullcontext():
        tracker.start_task()
        start = time.perf_counter()
        passes = work()
        seconds = time.perf_counter() - start
        data = tracker.stop_task()
    energy = {
        "cpu": data.cpu_energy * KWH,
        "gpu": data.gpu_energy * KWH,
        "ram": data.ram_energy * KWH,
    }
    power = mean_power_w(watch.steps, start, start + seconds) if watch is not None else None
    if power is not None:
        energy["gpu"] = power * seconds
    tracker.gpu_between_steps = watch is not None and (power is not None)
    return seconds, energy, passes, tracker


def measure_idle_power(device: str = "cpu", seconds: float = 1.0) -> float:
    """Watts drawn while nothing runs: the baseline under every measurement."""
    elapsed, energy, _, _ = _run(device, lambda: time.sleep(seconds) or 0)
    return sum(energy.values()) / elapsed


def measure(
    forward: Callable[[], Any],
    *,
    device: str = "cpu",
    min_seconds: float = 2.0,
    repeats: int = 3,
    warmup_seconds: float = 1.0,
    idle_power_w: float | None = None,
) -> Measurement:
    """Measure `forward` (one pass of one batch, returning only when the work is done). The
    idle power is measured first unless the caller measured it recently."""
    deadline = time.perf_counter() + warmup_seconds
    forward()  # the first call traces and compiles
    while time.perf_counter() < deadline:
        forward()
    idle_power = measure_idle_power(device) if idle_power_w is None else idle_power_w

    def timed_passes() -> int:
        done, stop = 0, time.perf_counter() + min_seconds
        while done == 0 or time.perf_counter() < stop:
            forward()
            done += 1
        return done

    runs = [_run(device, timed_passes) for _ in range(repeats)]
    between_steps = all(getattr(tracker, "gpu_between_steps", False) for *_, tracker in runs)
    per_pass = [sum(e.values()) / n for _, e, n, _ in runs]
    median = statistics.median_low(per_pass)
    _, energy, passes, tracker = runs[per_pass.index(median)]
    return Measurement(
        energy_j=median,
        duration_s=statistics.median(s / n for s, _, n, _ in runs),
        n_passes=passes,
        repeats=repeats,
        energy_spread=(max(per_pass) - min(per_pass)) / median if median else 0.0,
        cpu_energy_j=energy["cpu"] / passes,
        gpu_energy_j=energy["gpu"] / passes,
        ram_energy_j=energy["ram"] / passes,
        idle_power_w=idle_power,
        power_source=power_sources(tracker, gpu_between_steps=between_steps),
        tracker=f"codecarbon {tracker.version}",
    )
