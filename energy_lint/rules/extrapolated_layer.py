"""What:
    A layer's features (MACs, sizes, batch...) fall outside the ranges its predictor was trained
    on, so its estimate extrapolates.

Why:
    Tree ensembles cannot extrapolate: outside the training range they repeat the value at its
    edge, so a layer far larger than anything calibrated is underestimated. Calibrate with
    configurations like it to trust the figure.

Example:
    A Conv2D at batch 1024 with a profile calibrated up to batch 256: EL301 on that layer.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..results import ModelResult
from .base import WARNING, Finding

CODE = "EL301"
NAME = "extrapolated-layer"
SEVERITY = WARNING


def check(model: ModelResult) -> Iterator[Finding]:
    for layer in model.estimate.layers:
        if layer.extrapolated:
            yield Finding(
                f"{layer.name} ({layer.type}) is outside the profile's training ranges in "
                f"{', '.join(layer.extrapolated)}: its estimate extrapolates",
                layer=layer.name,
            )
