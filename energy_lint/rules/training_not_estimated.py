"""What:
    A training run is configured for the model ([tool.energy-lint.training]), but the profile
    has no training measurements, so its training energy is not estimated and the training
    budgets (EL105) cannot be checked.

Why:
    A training budget that silently never fires is worse than none. energy-lint does not
    fall back to "3 x forward": the ratio of a training step to a forward pass depends on the
    layer family and the hardware, so it is measured (`energy-lint calibrate --train`).

Example:
    [tool.energy-lint.training] with epochs = 10, checked with a profile calibrated without
    --train: EL304.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..results import ModelResult
from .base import WARNING, Finding

CODE = "EL304"
NAME = "training-not-estimated"
SEVERITY = WARNING


def check(model: ModelResult) -> Iterator[Finding]:
    if model.training_plan is not None and model.training is None:
        yield Finding(
            "a training run is configured, but this profile has no training measurements "
            "(calibrate --train): training energy not estimated"
        )
