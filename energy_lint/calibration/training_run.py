"""Train a real model on random data, one epoch per CodeCarbon task, for `measure --train`: the
measured energy of each epoch, and the projection of the whole run from the epochs so far
(projection.py), which may stop the run early once it has settled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from .projection import TOLERANCE, WINDOW, Projection, project
from .runner import _run, measure_idle_power


@dataclass(frozen=True)
class Epoch:
    epoch: int
    energy_j: float
    duration_s: float
    cpu_energy_j: float
    gpu_energy_j: float
    ram_energy_j: float


@dataclass
class TrainingRun:
    epochs: list[Epoch] = field(default_factory=list)
    projection: Projection | None = None
    stopped_early: bool = False
    idle_power_w: float = 0.0
    power_source: dict[str, str] = field(default_factory=dict)
    tracker: str = ""
    cpu_tdp_w: float | None = None
    """The CPU's TDP as CodeCarbon knows it (its load x TDP estimate rests on it): the naive
    "TDP x time" baseline of benchmarks/training.py."""

    @property
    def energies(self) -> list[float]:
        return [epoch.energy_j for epoch in self.epochs]

    def as_dict(self) -> dict[str, Any]:
        return {
            "epochs": [asdict(epoch) for epoch in self.epochs],
            "epochs_measured": len(self.epochs),
            "measured_j": sum(self.energies),
            "measured_s": sum(epoch.duration_s for epoch in self.epochs),
            "stopped_early": self.stopped_early,
            "projection": _projection_dict(self.projection),
            "idle_power_w": self.idle_power_w,
            "power_source": self.power_source,
            "tracker": self.tracker,
            "cpu_tdp_w": self.cpu_tdp_w,
        }


def _projection_dict(projection: Projection | None) -> dict[str, Any] | None:
    if projection is None:
        return None
    return {**asdict(projection), "interval_j": list(projection.interval_j), "stable": projection.stable}


def train_and_measure(
    fit_one_epoch: Callable[[], Any],
    epochs: int,
    *,
    device: str = "cpu",
    project_after: int | None = None,
    window: int = WINDOW,
    tolerance: float = TOLERANCE,
    on_epoch: Callable[[Epoch, Projection], None] | None = None,
) -> TrainingRun:
    """Run `fit_one_epoch` up to `epochs` times, each measured on its own. With
    `project_after` K, stop once at least K epochs are measured and the energy per epoch has
    settled: the rest is projected, not run."""
    from .power import power_sources

    def one_epoch() -> int:
        fit_one_epoch()
        return 1

    run = TrainingRun(idle_power_w=measure_idle_power(device))
    for number in range(1, epochs + 1):
        seconds, energy, _, tracker = _run(device, one_epoch)
        run.epochs.append(
            Epoch(
                epoch=number,
                energy_j=sum(energy.values()),
                duration_s=seconds,
                cpu_energy_j=energy["cpu"],
                gpu_energy_j=energy["gpu"],
                ram_energy_j=energy["ram"],
            )
        )
        run.power_source = power_sources(
            tracker, gpu_between_steps=getattr(tracker, "gpu_between_steps", False)
        )
        run.tracker = f"codecarbon {tracker.version}"
        run.cpu_tdp_w = _cpu_tdp(tracker)
        run.projection = project(run.energies, epochs, window, tolerance)
        if on_epoch:
            on_epoch(run.epochs[-1], run.projection)
        if project_after and number >= project_after and run.projection.stable and number < epochs:
            run.stopped_early = True
            break
    return run


def _cpu_tdp(tracker: Any) -> float | None:
    for hardware in getattr(tracker, "_hardware", []):
        tdp = getattr(hardware, "_tdp", None) if type(hardware).__name__ == "CPU" else None
        if isinstance(tdp, (int, float)):
            return float(tdp)
    return None
