"""The physical prior of a layer family: energy = overhead + max(MACs / peak, bytes / bandwidth),
plus per_step x steps for a family that loops over a sequence (recurrent layers), and a third
bound, taps / tap_rate, for convolutions (kernel taps: MACs over the channels each output sums).

A roofline in joules: a layer is bound either by arithmetic (MACs at `peak` MACs per joule) or by
memory traffic (bytes moved at `bandwidth` bytes per joule), plus a fixed cost per call. A
recurrent layer also pays the framework's loop for every step (a while-loop iteration, a dozen
small ops dispatched), a cost its MACs do not show: on a CPU it is most of a small LSTM's time.
A grouped convolution with few channels per group runs at the speed of its kernel taps, not of
its MACs (TensorFlow on a CPU reaches its dense MAC rate only with tens of channels per group):
a ResNeXt conv with a few channels per group costs about what a depthwise conv with as many taps
does, not what its MACs say. A dense layer in a model whose pass fits in the last-level cache
reads its weights at the cache's rate from pass to pass (a batch-1 matrix-vector product of a
small MLP ran 4x faster per byte than one of a large model, benchmarks/matvec_bandwidth.py):
its family's memory term splits its bytes into those and the rest. What decides it is all that
one pass moves between two reads of a layer's weights (every layer's inputs, outputs and
weights), not the weights alone: in onnxruntime a 4 MiB Gemm took 5x as long behind ops that
swept 32 MiB through the cache as it took alone (benchmarks/cache_reuse.py). Fitted per family
at calibration (calibration/prior_fit.py), it extrapolates where trees cannot: a VGG-sized
convolution costs about what its MACs say even if no row was that large. The trees learn only
the residual log(measured / prior), and outside the training ranges that residual is shrunk
towards 0, so a layer far from every row is priced by the prior.

Numpy only: this runs on the check path."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

BYTES_PER_ELEMENT = 4
"""float32: every element read or written (inputs, outputs, weights) moves four bytes."""
STEPS = "log_steps"
"""The feature column (log1p of the sequence length) of a family that loops over steps."""
TAPS = "log_taps"
"""The feature column (log1p of MACs / channels per group) of a convolution family."""
MODEL_TRAFFIC = "log_model_bytes_moved"
"""The feature column (log1p of the bytes one pass of the whole model a layer runs in moves:
every priced layer's inputs, outputs and weights) of a dense layer: with its own weights
(log_params) it says which of them a pass finds still in cache."""
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
    per_step_j: float | None = None
    """Joules per sequence step; None for a family without a loop over steps."""
    taps_per_j: float | None = None
    """Kernel taps per joule, the bound of a thin grouped convolution; None for other families."""
    cache_bytes: float | None = None
    """A model whose pass moves at most this many bytes keeps its weights in cache from pass to
    pass: its layers read them at `cache_bandwidth_bytes_per_j` (a dense family; None: no cache
    term). Fitted, not read off the machine: what counts is where the rows change rate."""
    cache_bandwidth_bytes_per_j: float | None = None

    def cached_weights(self, weights: np.ndarray, model_bytes: np.ndarray) -> np.ndarray:
        """The weight bytes each layer reads from cache: all of them in a model whose pass moves
        at most cache_bytes (`model_bytes`), none in a larger one."""
        if self.cache_bytes is None:
            return np.zeros_like(np.asarray(weights, dtype=np.float64))
        fits = np.asarray(model_bytes, dtype=np.float64) <= self.cache_bytes
        return np.where(fits, np.asarray(weights, dtype=np.float64), 0.0)

    def predict(
        self,
        macs: np.ndarray,
        moved: np.ndarray,
        steps: np.ndarray | None = None,
        taps: np.ndarray | None = None,
        cached: np.ndarray | None = None,
    ) -> np.ndarray:
        """Energy in joules of layers with `macs` MACs, `moved` bytes (of which `cached` come
        from cache), `steps` sequence steps and `taps` kernel taps (one batch)."""
        macs = np.asarray(macs, dtype=np.float64)
        work = np.zeros_like(macs)
        if self.peak_macs_per_j:
            work = np.maximum(work, macs / self.peak_macs_per_j)
        if self.bandwidth_bytes_per_j:
            moved = np.asarray(moved, dtype=np.float64)
            if self.cache_bandwidth_bytes_per_j and cached is not None:
                cached = np.minimum(np.asarray(cached, dtype=np.float64), moved)
                memory = (
                    moved - cached
                ) / self.bandwidth_bytes_per_j + cached / self.cache_bandwidth_bytes_per_j
            else:
                memory = moved / self.bandwidth_bytes_per_j
            work = np.maximum(work, memory)
        if self.taps_per_j and taps is not None:
            work = np.maximum(work, np.asarray(taps, dtype=np.float64) / self.taps_per_j)
        if self.per_step_j and steps is not None:
            work = work + self.per_step_j * np.asarray(steps, dtype=np.float64)
        return self.overhead_j + work

    def predict_log(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """Log energy from the feature columns log_macs, log_bytes and, where the family has
        them, log_steps and log_taps, all log1p counts."""

        def counts(name: str) -> np.ndarray | None:
            return np.expm1(np.asarray(values[name], dtype=np.float64)) if name in values else None

        macs, moved = counts("log_macs"), counts("log_bytes")
        assert macs is not None and moved is not None, "log_macs and log_bytes are common features"
        params, model_bytes = counts("log_params"), counts(MODEL_TRAFFIC)
        cached = None
        if params is not None and model_bytes is not None:
            cached = self.cached_weights(BYTES_PER_ELEMENT * params, model_bytes)
        return np.log(np.maximum(self.predict(macs, moved, counts(STEPS), counts(TAPS), cached), 1e-15))

    def to_dict(self) -> dict[str, Any]:
        looped, tapped = self.per_step_j is not None, self.taps_per_j is not None
        cache = self.cache_bytes is not None
        memory = (
            "(bytes - cached) / bandwidth_bytes_per_j + cached / cache_bandwidth_bytes_per_j"
            if cache
            else "bytes / bandwidth_bytes_per_j"
        )
        bounds = f"macs / peak_macs_per_j, {memory}" + (", taps / taps_per_j" if tapped else "")
        return {
            "formula": f"overhead_j + max({bounds})" + (" + per_step_j x steps" if looped else ""),
            "overhead_j": self.overhead_j,
            "peak_macs_per_j": self.peak_macs_per_j,
            "bandwidth_bytes_per_j": self.bandwidth_bytes_per_j,
            **({"per_step_j": self.per_step_j} if looped else {}),
            **({"taps_per_j": self.taps_per_j} if tapped else {}),
            **(
                {
                    "cached": "a layer's weight bytes where a pass of its model moves <= cache_bytes, else 0",
                    "cache_bytes": self.cache_bytes,
                    "cache_bandwidth_bytes_per_j": self.cache_bandwidth_bytes_per_j,
                }
                if cache
                else {}
            ),
            "residual_range": list(self.residual_range),
        }

    @staticmethod
    def from_dict(entry: Mapping[str, Any] | None) -> Prior | None:
        """The prior profile.json stores for a family; None for a profile written before priors."""
        if not entry:
            return None
        peak, bandwidth = entry.get("peak_macs_per_j"), entry.get("bandwidth_bytes_per_j")
        per_step, taps = entry.get("per_step_j"), entry.get("taps_per_j")
        cache, cache_bandwidth = entry.get("cache_bytes"), entry.get("cache_bandwidth_bytes_per_j")
        low, high = entry.get("residual_range", (0.0, 0.0))
        prior = Prior(
            float(entry["overhead_j"]),
            float(peak) if peak else None,
            float(bandwidth) if bandwidth else None,
            (float(low), float(high)),
            float(per_step) if per_step is not None else None,
            float(taps) if taps else None,
            float(cache) if cache and cache_bandwidth else None,
            float(cache_bandwidth) if cache and cache_bandwidth else None,
        )
        values = (prior.overhead_j, peak or 0, bandwidth or 0, per_step or 0, taps or 0, cache or 0)
        values += (cache_bandwidth or 0,)
        if not all(math.isfinite(float(v)) and float(v) >= 0 for v in values):
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
