"""The physical prior of a layer family: energy = overhead + max(MACs / peak, bytes / bandwidth).

A roofline in joules: a layer is bound either by arithmetic (MACs at `peak` MACs per joule) or by
memory traffic (bytes moved at `bandwidth` bytes per joule), plus a fixed cost per call. Fitted
per family at calibration (calibration/prior_fit.py), it extrapolates where trees cannot: a
VGG-sized convolution costs about what its MACs say even if no row was that large. The trees
learn only the residual log(measured / prior), and outside the training ranges that residual is
shrunk towards 0, so a layer far from every row is priced by the prior.

Numpy only: this runs on the check path."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

BYTES_PER_ELEMENT = 4
"""float32: every element read or written (inputs, outputs, weights) moves four bytes."""
SIZE_FEATURES = ("log_macs", "log_bytes", "log_input_elements", "log_output_elements", "log_params")
"""The features whose distance outside the training range shrinks the tree residual."""
SHRINK_SCALE = 1.0
"""A layer e (natural-log units, about 2.7x) beyond the range keeps exp(-1) of its residual."""


@dataclass(frozen=True)
class Prior:
    overhead_j: float
    peak_macs_per_j: float | None
    """None for a family without arithmetic worth the name (reshaping, concatenation)."""
    bandwidth_bytes_per_j: float | None
    residual_range: tuple[float, float] = (0.0, 0.0)
    """The range of training residuals log(measured / prior): a tree's residual is clipped to it."""

    def predict(self, macs: np.ndarray, moved: np.ndarray) -> np.ndarray:
        """Energy in joules of layers with `macs` MACs and `moved` bytes (one batch)."""
        macs = np.asarray(macs, dtype=np.float64)
        work = np.zeros_like(macs)
        if self.peak_macs_per_j:
            work = np.maximum(work, macs / self.peak_macs_per_j)
        if self.bandwidth_bytes_per_j:
            work = np.maximum(work, np.asarray(moved, dtype=np.float64) / self.bandwidth_bytes_per_j)
        return self.overhead_j + work

    def predict_log(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """Log energy from the feature columns log_macs and log_bytes (log1p counts)."""
        macs = np.expm1(np.asarray(values["log_macs"], dtype=np.float64))
        moved = np.expm1(np.asarray(values["log_bytes"], dtype=np.float64))
        return np.log(np.maximum(self.predict(macs, moved), 1e-15))

    def to_dict(self) -> dict[str, Any]:
        return {
            "formula": "overhead_j + max(macs / peak_macs_per_j, bytes / bandwidth_bytes_per_j)",
            "overhead_j": self.overhead_j,
            "peak_macs_per_j": self.peak_macs_per_j,
            "bandwidth_bytes_per_j": self.bandwidth_bytes_per_j,
            "residual_range": list(self.residual_range),
        }

    @staticmethod
    def from_dict(entry: Mapping[str, Any] | None) -> Prior | None:
        """The prior profile.json stores for a family; None for a profile written before priors."""
        if not entry:
            return None
        peak, bandwidth = entry.get("peak_macs_per_j"), entry.get("bandwidth_bytes_per_j")
        low, high = entry.get("residual_range", (0.0, 0.0))
        prior = Prior(
            float(entry["overhead_j"]),
            float(peak) if peak else None,
            float(bandwidth) if bandwidth else None,
            (float(low), float(high)),
        )
        if not all(math.isfinite(v) and v >= 0 for v in (prior.overhead_j, peak or 0, bandwidth or 0)):
            raise ValueError(f"prior parameters must be finite and non-negative: {dict(entry)}")
        return prior


def shrink(columns: Mapping[str, np.ndarray], ranges: Mapping[str, tuple[float, float]]) -> np.ndarray:
    """Per row, the share of the tree residual kept: 1 inside the training ranges of the size
    features, exp(-distance / SHRINK_SCALE) beyond them (the largest distance counts)."""
    size = len(next(iter(columns.values()))) if columns else 0
    distance = np.zeros(size)
    for name in SIZE_FEATURES:
        if name not in columns or name not in ranges:
            continue
        low, high = ranges[name]
        column = np.asarray(columns[name], dtype=np.float64)
        distance = np.maximum(distance, np.maximum(low - column, 0.0) + np.maximum(column - high, 0.0))
    return np.exp(-distance / SHRINK_SCALE)


def combine(
    prior: Prior,
    residual: np.ndarray,
    columns: Mapping[str, np.ndarray],
    ranges: Mapping[str, tuple[float, float]],
) -> np.ndarray:
    """Log energy: the prior's, plus the tree residual clipped to the training residuals' range
    and shrunk outside the training ranges."""
    low, high = prior.residual_range
    clipped = np.clip(np.asarray(residual, dtype=np.float64), low, high)
    return prior.predict_log(columns) + clipped * shrink(columns, ranges)
