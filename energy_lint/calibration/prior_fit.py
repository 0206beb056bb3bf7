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
CACHE_SIZES = tuple(2.0 ** (half / 2) for half in range(38, 57))
"""Candidate cache sizes, 512 KiB to 256 MiB in steps of 1.4x: a dense family's cache term takes
the one that fits its rows best, or none where no size beats the plain roofline."""


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
    weights: np.ndarray | None = None,
    model_bytes: np.ndarray | None = None,
) -> Prior | None:
    """The prior of rows with `macs` MACs, `moved` bytes (and `steps` sequence steps, for a
    family that loops; `taps` kernel taps, for a convolution; `weights` bytes of their own in
    models whose pass moves `model_bytes` bytes, for a dense layer) costing `energy` joules;
    None with fewer than MIN_ROWS usable rows. A family without MACs in most rows gets no peak term. With
    weights, each candidate cache size is fitted too and the best fit kept: a model whose pass
    fits in cache reads its weights faster from pass to pass (benchmarks/matvec_bandwidth.py)."""
    energy, moved = np.asarray(energy, dtype=np.float64), np.asarray(moved, dtype=np.float64)
    usable = (energy > 0) & (moved > 0) & np.isfinite(energy)
    if usable.sum() < MIN_ROWS:
        return None

    def rows(values: np.ndarray | None) -> np.ndarray | None:
        return np.asarray(values, dtype=np.float64)[usable] if values is not None else None

    macs, moved, energy, steps, taps = (rows(a) for a in (macs, moved, energy, steps, taps))
    plain, cost = _fit(macs, moved, energy, steps, taps, None)
    if weights is None or model_bytes is None:
        return plain
    weights, model_bytes = np.minimum(rows(weights), moved), rows(model_bytes)
    best = plain
    for size in CACHE_SIZES:
        fits = model_bytes <= size
        if fits.sum() < MIN_ROWS or (~fits).sum() < MIN_ROWS:
            continue  # both sides of the size need rows to fit two rates
        prior, candidate = _fit(macs, moved, energy, steps, taps, (size, np.where(fits, weights, 0.0)))
        if candidate < cost:
            best, cost = prior, candidate
    return best


def _fit(
    macs: np.ndarray,
    moved: np.ndarray,
    energy: np.ndarray,
    steps: np.ndarray | None,
    taps: np.ndarray | None,
    cache: tuple[float, np.ndarray] | None,
) -> tuple[Prior, float]:
    """The prior fitted on usable rows, with a cache term where `cache` gives its size and each
    row's cached bytes; and the fit's robust cost."""
    from scipy.optimize import least_squares

    use_macs = bool(np.mean(macs > 0) >= 0.5)
    log_steps = np.log(np.maximum(steps, 1.0)) if steps is not None else None
    if taps is not None and not (taps > 0).any():
        taps = None  # no grouped convolution among the rows: nothing to fit a tap rate on
    log_taps = np.log(np.where(taps > 0, taps, np.nan)) if taps is not None else None
    target = np.log(energy)

    if cache is not None:
        with np.errstate(divide="ignore"):
            log_cached, log_uncached = np.log(cache[1]), np.log(moved - cache[1])

    def predicted(theta: np.ndarray) -> np.ndarray:
        if cache is None:
            log_work = np.log(moved) + theta[2]
        else:
            log_work = np.logaddexp(log_uncached + theta[2], log_cached + theta[5])
        if use_macs:
            log_work = np.maximum(log_work, np.log(np.maximum(macs, 1e-300)) + theta[1])
        if log_taps is not None:
            log_work = np.fmax(log_work, log_taps + theta[4])  # NaN (no taps) never binds
        if log_steps is not None:
            log_work = np.logaddexp(log_work, log_steps + theta[3])
        return np.logaddexp(theta[0], log_work)

    best = None
    for start in _start(macs, moved, energy, use_macs, taps):
        start = np.append(start, start[2] - 1.0)  # cache: a few times the memory bandwidth
        result = least_squares(
            lambda theta: predicted(theta) - target, start, loss="soft_l1", f_scale=ROBUST_SCALE
        )
        if best is None or result.cost < best.cost:
            best = result
    assert best is not None
    overhead, inv_peak, inv_bw, per_step, inv_taps, inv_cache = (float(v) for v in best.x)
    residuals = target - predicted(best.x)
    prior = Prior(
        overhead_j=math.exp(overhead),
        peak_macs_per_j=math.exp(-inv_peak) if use_macs else None,
        bandwidth_bytes_per_j=math.exp(-inv_bw),
        residual_range=(float(residuals.min()), float(residuals.max())),
        per_step_j=math.exp(per_step) if log_steps is not None else None,
        taps_per_j=math.exp(-inv_taps) if log_taps is not None else None,
        cache_bytes=cache[0] if cache is not None else None,
        cache_bandwidth_bytes_per_j=math.exp(-inv_cache) if cache is not None else None,
    )
    return prior, float(best.cost)
