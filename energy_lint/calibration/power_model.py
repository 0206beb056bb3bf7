"""The machine's power while a model runs, measured once by CodeCarbon over long whole-model
windows, so that in-context layer times become energy: energy_j = duration_s x watts.

On a CPU without RAPL, CodeCarbon's figure is itself CPU load x TDP plus a constant RAM power,
so this is a power model of an estimate, and every row that uses it says so."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .runner import measure, measure_idle_power

FILE = "power-model.json"
SOURCE = "time x power model from CodeCarbon's estimate (CPU load x TDP), not a measurement"


@dataclass
class Window:
    model: str
    seconds: float
    watts: float
    cpu_w: float
    ram_w: float
    cores_busy: float
    """Process CPU seconds per wall second over the window: how many cores the model kept busy."""


@dataclass
class PowerModel:
    watts: float
    """What a running model draws (median over the windows): the factor of every row."""
    idle_w: float
    per_core_w: float
    """The fit watts = idle_w + per_core_w x cores busy over the windows (for the record)."""
    measured_idle_w: float = 0.0
    """CodeCarbon's figure with nothing running, measured before the windows."""
    windows: list[Window] = field(default_factory=list)
    power_sources: dict[str, str] = field(default_factory=dict)
    execution_path: str = ""
    threads: str = ""
    measured_at: str = ""

    def energy_j(self, seconds: float) -> float:
        return seconds * self.watts

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"source": SOURCE, **asdict(self)}, indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> PowerModel:
        data = json.loads(path.read_text())
        data.pop("source", None)
        data["windows"] = [Window(**w) for w in data.get("windows", [])]
        return cls(**data)


def measure_power_model(
    works: Sequence[tuple[str, Callable[[], Any]]],
    *,
    window_s: float = 10.0,
    execution_path: str = "",
    threads: str = "",
) -> PowerModel:
    """One CodeCarbon window of at least `window_s` per (model name, one forward pass)."""
    import datetime

    idle = measure_idle_power("cpu", seconds=min(window_s, 5.0))
    windows, sources = [], {}
    for name, work in works:
        wall, cpu = time.perf_counter(), time.process_time()
        result = measure(work, min_seconds=window_s, repeats=1, warmup_seconds=0.5, idle_power_w=idle)
        busy = (time.process_time() - cpu) / (time.perf_counter() - wall)
        per_s = 1.0 / result.duration_s
        windows.append(
            Window(
                model=name,
                seconds=result.duration_s * result.n_passes,
                watts=result.energy_j * per_s,
                cpu_w=result.cpu_energy_j * per_s,
                ram_w=result.ram_energy_j * per_s,
                cores_busy=busy,
            )
        )
        sources = result.power_source
    idle_w, per_core = _fit_line([w.cores_busy for w in windows], [w.watts for w in windows], idle)
    return PowerModel(
        watts=statistics.median(w.watts for w in windows),
        idle_w=idle_w,
        per_core_w=per_core,
        measured_idle_w=idle,
        windows=windows,
        power_sources=sources,
        execution_path=execution_path,
        threads=threads,
        measured_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    )


def _fit_line(x: list[float], y: list[float], idle: float) -> tuple[float, float]:
    """Least squares y = a + b x; with one window (or no spread in x), the idle power as a."""
    if len(x) < 2 or max(x) - min(x) < 1e-3:
        mean_x = statistics.fmean(x) if x else 0.0
        return idle, (statistics.fmean(y) - idle) / mean_x if mean_x else 0.0
    slope, intercept = statistics.linear_regression(x, y)
    return intercept, slope
