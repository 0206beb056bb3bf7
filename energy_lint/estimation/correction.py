"""The whole-model correction: the energy of a whole forward pass (or training step) from the sum
of its layers' predictions. Layers priced one by one miss what a whole model adds or saves (a
fixed cost per call, fusion), so calibration fits one of these kinds on measured whole models.

Each kind is a small estimator with the scikit-learn contract (fit / predict) plus to_dict /
from_dict for profile.json (docs/contracts.md, 4. Profile directory). A new kind is one class
here and one entry in KINDS:
estimation, profile writing and the benchmarks all go through this module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

TINY_J = 1e-12
"""Energies are kept above this so that logs stay finite."""


@dataclass
class Correction:
    """No correction: the whole is the sum of its layers. The base of every kind."""

    kind: ClassVar[str] = "none"
    interval_log: tuple[float, float] | None = None
    """The 5% and 95% quantiles of log(measured / predicted), out of fold: the 90% interval;
    None where no whole models were measured to give one."""
    info: dict[str, Any] = field(default_factory=dict)
    """What calibration recorded about the fit (cross-validated errors, rows, a note): kept in
    profile.json beside the parameters, read by `energy-lint profiles`."""

    def fit(self, layer_sums: np.ndarray, measured: np.ndarray) -> Correction:
        return self

    def predict(self, layer_sums: np.ndarray) -> np.ndarray:
        return np.asarray(layer_sums, dtype=np.float64)

    def predict_one(self, layer_sum_j: float) -> float:
        return float(self.predict(np.array([layer_sum_j]))[0])

    def interval(self, total_j: float) -> tuple[float, float]:
        low, high = self.interval_log or (0.0, 0.0)
        return total_j * float(np.exp(low)), total_j * float(np.exp(high))

    def params(self) -> dict[str, float]:
        return {}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, **self.params(), **self.info}
        if self.interval_log is not None:
            out["interval_log"] = [float(v) for v in self.interval_log]
        return out

    @staticmethod
    def from_dict(entry: dict[str, Any] | None) -> Correction:
        """The correction profile.json describes; a missing entry is no correction. An unknown
        kind is refused by the profile loader before it gets here."""
        entry = dict(entry or {"kind": "none"})
        cls = KINDS[entry.pop("kind", "none")]
        interval = entry.pop("interval_log", None)
        params = {name: float(entry.pop(name)) for name in cls.param_names()}
        low_high = (float(interval[0]), float(interval[1])) if interval is not None else None
        correction = cls(interval_log=low_high, info=entry)
        correction.set_params(**params)
        return correction

    @classmethod
    def param_names(cls) -> tuple[str, ...]:
        return ()

    def set_params(self, **params: float) -> None:
        for name, value in params.items():
            setattr(self, name, value)


def relative_line(x: np.ndarray, measured: np.ndarray) -> tuple[float, float]:
    """(intercept, slope) of the least-squares line through (x, measured) on relative error
    (weights 1 / measured), so that small models count as much as big ones; unconstrained."""
    x, measured = np.asarray(x, dtype=np.float64), np.asarray(measured, dtype=np.float64)
    design = np.stack([np.ones_like(x), x], axis=1) / measured[:, None]
    (intercept, slope), *_ = np.linalg.lstsq(design, np.ones_like(measured), rcond=None)
    return float(intercept), float(slope)


@dataclass
class AffineCorrection(Correction):
    """overhead + factor x sum: a fixed cost per call and a common scale, fitted by least squares
    on relative error (relative_line). The overhead is a cost, never negative: a negative one
    prices a small model at zero or below (a budget could never fire on it), so where the free
    fit goes below zero the line is refitted through the origin."""

    kind: ClassVar[str] = "affine"
    overhead_j: float = 0.0
    factor: float = 1.0

    def fit(self, layer_sums: np.ndarray, measured: np.ndarray) -> AffineCorrection:
        sums, measured = np.asarray(layer_sums, dtype=np.float64), np.asarray(measured, dtype=np.float64)
        overhead, factor = relative_line(sums, measured)
        if overhead < 0:
            ratio = sums / measured
            overhead, factor = 0.0, float(ratio.sum() / (ratio**2).sum())
        self.overhead_j, self.factor = float(overhead), float(factor)
        return self

    def predict(self, layer_sums: np.ndarray) -> np.ndarray:
        """A negative overhead in a profile fitted before the bound (or written by hand) counts as
        none, so that no total is ever zero or negative."""
        return max(self.overhead_j, 0.0) + self.factor * np.asarray(layer_sums, dtype=np.float64)

    @classmethod
    def param_names(cls) -> tuple[str, ...]:
        return ("overhead_j", "factor")

    def params(self) -> dict[str, float]:
        return {"overhead_j": self.overhead_j, "factor": self.factor}


@dataclass
class LogLinearCorrection(Correction):
    """exp(intercept) x sum^slope: a straight line on log scales, for a gap that grows or
    shrinks with the model's size."""

    kind: ClassVar[str] = "loglinear"
    intercept: float = 0.0
    slope: float = 1.0

    def fit(self, layer_sums: np.ndarray, measured: np.ndarray) -> LogLinearCorrection:
        slope, intercept = np.polyfit(np.log(layer_sums), np.log(measured), 1)
        self.intercept, self.slope = float(intercept), float(slope)
        return self

    def predict(self, layer_sums: np.ndarray) -> np.ndarray:
        sums = np.maximum(np.asarray(layer_sums, dtype=np.float64), TINY_J)
        return np.exp(self.intercept) * sums**self.slope

    @classmethod
    def param_names(cls) -> tuple[str, ...]:
        return ("intercept", "slope")

    def params(self) -> dict[str, float]:
        return {"intercept": self.intercept, "slope": self.slope}


ROBUST_SCALE = 0.3
"""Where the Cauchy loss of the robust kinds stops growing as a square: a log error of 0.3
(35%). Beyond it the loss grows as a log, so a model the layers price 5x off (log error 1.6)
weighs like 5 models 35% off, not like 30 of them."""


def _robust_log_fit(
    residuals: Callable[[np.ndarray], np.ndarray], start: list[float], lower: list[float] | None = None
) -> np.ndarray:
    """Parameters that minimise a Cauchy loss of log(predicted / measured), from `start`, each at
    or above its `lower` bound. scipy comes with the calibrate extra; check only predicts and
    never imports it."""
    from scipy.optimize import least_squares

    bounds = (np.array(lower, dtype=np.float64), np.inf) if lower is not None else (-np.inf, np.inf)
    return least_squares(residuals, np.array(start), loss="cauchy", f_scale=ROBUST_SCALE, bounds=bounds).x


@dataclass
class RobustAffineCorrection(AffineCorrection):
    """overhead + factor x sum, as the affine kind, fitted on log error under a Cauchy loss:
    the least squares of the affine kind let one architecture the layers price 5x high set the
    slope for every other (on onnxruntime rows, all other families came out about 90% low)."""

    kind: ClassVar[str] = "affine-robust"

    def fit(self, layer_sums: np.ndarray, measured: np.ndarray) -> RobustAffineCorrection:
        sums, measured = np.asarray(layer_sums, dtype=np.float64), np.asarray(measured, dtype=np.float64)
        log_measured = np.log(measured)

        def residuals(theta: np.ndarray) -> np.ndarray:
            predicted = theta[0] + np.exp(theta[1]) * sums
            return np.log(np.maximum(predicted, TINY_J)) - log_measured

        start = [0.0, float(np.median(log_measured - np.log(np.maximum(sums, TINY_J))))]
        overhead, log_factor = _robust_log_fit(residuals, start, lower=[0.0, -np.inf])
        self.overhead_j, self.factor = float(overhead), float(np.exp(log_factor))
        return self


@dataclass
class RobustLogLinearCorrection(LogLinearCorrection):
    """exp(intercept) x sum^slope, as the loglinear kind, under a Cauchy loss on log error."""

    kind: ClassVar[str] = "loglinear-robust"

    def fit(self, layer_sums: np.ndarray, measured: np.ndarray) -> RobustLogLinearCorrection:
        log_sums = np.log(np.maximum(np.asarray(layer_sums, dtype=np.float64), TINY_J))
        log_measured = np.log(np.asarray(measured, dtype=np.float64))

        def residuals(theta: np.ndarray) -> np.ndarray:
            return theta[0] + theta[1] * log_sums - log_measured

        start = [float(np.median(log_measured - log_sums)), 1.0]
        self.intercept, self.slope = (float(v) for v in _robust_log_fit(residuals, start))
        return self


KINDS: dict[str, type[Correction]] = {
    cls.kind: cls
    for cls in (
        Correction,
        AffineCorrection,
        LogLinearCorrection,
        RobustAffineCorrection,
        RobustLogLinearCorrection,
    )
}
"""Every kind, by the name profile.json gives it: the explicit registry."""
