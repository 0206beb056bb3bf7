"""Fit a family's physical prior (estimation/prior.py) on its measured rows: overhead, peak,
bandwidth and, for a family that loops over steps, the cost per step, for a convolution family
the rate of its kernel taps, by robust least squares on
the log scale (soft-L1 loss, so a few noisy rows cannot drag the roofline), from several
starting points, keeping the best."""

from __future__ import annotations

import math

import numpy as np

from ..estimation.prior import Prior

MIN_ROWS = 4
ROBUST_SCALE = 0.3
"""Residuals (log units) beyond about 35% count linearly, not squared."""


def _start(
    macs: np.ndarray, moved: np.ndarray, energy: np.ndarray, use_macs: bool, taps: np.ndarray | None
) -> list[np.ndarray]:
    """Starting points (log overhead, log 1/peak, log 1/bandwidth, log per step, log 1/tap rate)
    from simple medians and quantiles (the last two are ignored without steps or taps). Every
    grouped row pays at least taps / tap rate, so the rate starts at their lowest energy per tap."""
    log_e = np.log(energy)
    inv_peak = float(np.median(log_e[macs > 0] - np.log(macs[macs > 0]))) if use_macs else 0.0
    inv_bw = float(np.median(log_e - np.log(moved)))
    tapped = taps > 0 if taps is not None else np.zeros(len(energy), dtype=bool)
    inv_taps = float(np.quantile(log_e[tapped] - np.log(taps[tapped]), 0.05)) if tapped.any() else -50.0
    small = float(np.log(np.quantile(energy, 0.05)))
    starts = []
    for overhead, shift in ((small - 3.0, 0.0), (small - 0.7, 0.0), (small - 0.7, -2.0)):
        starts.append(np.array([overhead, inv_peak + shift, inv_bw + shift, small - 4.0, inv_taps + shift]))
    return starts


def fit_prior(
    macs: np.ndarray,
    moved: np.ndarray,
    energy: np.ndarray,
    steps: np.ndarray | None = None,
    taps: np.ndarray | None = None,
) -> Prior | None:
    """The prior of rows with `macs` MACs, `moved` bytes (and `steps` sequence steps, for a
    family that loops; `taps` kernel taps, for a convolution) costing `energy` joules; None with
    fewer than MIN_ROWS usable rows. A family without MACs in most rows gets no peak term."""
    from scipy.optimize import least_squares

    macs, moved, energy = (np.asarray(a, dtype=np.float64) for a in (macs, moved, energy))
    usable = (energy > 0) & (moved > 0) & np.isfinite(energy)
    macs, moved, energy = macs[usable], moved[usable], energy[usable]
    if len(energy) < MIN_ROWS:
        return None
    use_macs = bool(np.mean(macs > 0) >= 0.5)
    log_steps = (
        np.log(np.maximum(np.asarray(steps, dtype=np.float64)[usable], 1.0)) if steps is not None else None
    )
    taps = np.asarray(taps, dtype=np.float64)[usable] if taps is not None else None
    if taps is not None and not (taps > 0).any():
        taps = None  # no grouped convolution among the rows: nothing to fit a tap rate on
    log_taps = np.log(np.where(taps > 0, taps, np.nan)) if taps is not None else None
    target = np.log(energy)

    def predicted(theta: np.ndarray) -> np.ndarray:
        log_work = np.log(moved) + theta[2]
        if use_macs:
            log_work = np.maximum(log_work, np.log(np.maximum(macs, 1e-300)) + theta[1])
        if log_taps is not None:
            log_work = np.fmax(log_work, log_taps + theta[4])  # NaN (no taps) never binds
        if log_steps is not None:
            log_work = np.logaddexp(log_work, log_steps + theta[3])
        return np.logaddexp(theta[0], log_work)

    best = None
    for start in _start(macs, moved, energy, use_macs, taps):
        result = least_squares(
            lambda theta: predicted(theta) - target, start, loss="soft_l1", f_scale=ROBUST_SCALE
        )
        if best is None or result.cost < best.cost:
            best = result
    assert best is not None
    overhead, inv_peak, inv_bw, per_step, inv_taps = (float(v) for v in best.x)
    residuals = target - predicted(best.x)
    return Prior(
        overhead_j=math.exp(overhead),
        peak_macs_per_j=math.exp(-inv_peak) if use_macs else None,
        bandwidth_bytes_per_j=math.exp(-inv_bw),
        residual_range=(float(residuals.min()), float(residuals.max())),
        per_step_j=math.exp(per_step) if log_steps is not None else None,
        taps_per_j=math.exp(-inv_taps) if log_taps is not None else None,
    )
