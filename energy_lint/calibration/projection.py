"""Project a training run's energy from its first epochs (the STEP idea of ../shared/research,
seed 001): the first epochs carry one-off costs (tracing, compilation, caches warming up), then
the energy per epoch settles. Once it has settled, the rest of the run costs about what the
settled epochs cost, and the projection is what was measured plus that for each epoch left.

Settled ("stable") means: a window of `window` epochs lies within `tolerance` of its median,
that is (max - min) / median <= tolerance. The interval bounds the epochs left by the lowest
and the highest epoch of that window."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

WINDOW = 3
TOLERANCE = 0.10


@dataclass(frozen=True)
class Projection:
    epochs_measured: int
    epochs_total: int
    measured_j: float
    """Energy of the epochs measured so far, early ones included."""
    energy_j: float
    """Projected energy of all `epochs_total` epochs."""
    interval_j: tuple[float, float]
    stable_from: int | None
    """The first epoch (1-based) of the stable window, or None when no window has settled yet
    (the projection then extends the last epoch and says so)."""

    @property
    def stable(self) -> bool:
        return self.stable_from is not None


def stable_from(energies: Sequence[float], window: int = WINDOW, tolerance: float = TOLERANCE) -> int | None:
    """The first epoch (1-based) of the first window of `window` epochs that has settled, or
    None. The first epoch never counts: it pays for tracing and compilation."""
    for start in range(1, len(energies) - window + 1):
        if _settled(energies[start : start + window], tolerance):
            return start + 1
    return None


def _settled(chunk: Sequence[float], tolerance: float) -> bool:
    middle = statistics.median(chunk)
    return middle > 0 and (max(chunk) - min(chunk)) / middle <= tolerance


def project(
    energies: Sequence[float], epochs_total: int, window: int = WINDOW, tolerance: float = TOLERANCE
) -> Projection:
    """The full run's energy from the epochs measured so far. The settled rate is the mean of
    the newest settled window (the latest evidence), not of the first one found."""
    if not energies:
        raise ValueError("no epoch measured yet")
    measured = float(sum(energies))
    left = max(epochs_total - len(energies), 0)
    first = stable_from(energies, window, tolerance)
    if first is not None:
        newest = _newest_stable_window(energies, window, tolerance)
        rate, low, high = statistics.fmean(newest), min(newest), max(newest)
    else:
        tail = list(energies[1:]) or list(energies)
        rate, low, high = energies[-1], min(tail), max(tail)
    return Projection(
        epochs_measured=len(energies),
        epochs_total=max(epochs_total, len(energies)),
        measured_j=measured,
        energy_j=measured + left * rate,
        interval_j=(measured + left * low, measured + left * high),
        stable_from=first,
    )


def _newest_stable_window(energies: Sequence[float], window: int, tolerance: float) -> list[float]:
    for start in range(len(energies) - window, 0, -1):
        chunk = list(energies[start : start + window])
        if _settled(chunk, tolerance):
            return chunk
    raise ValueError("no stable window")  # stable_from found one: unreachable
