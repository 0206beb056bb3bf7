"""What:
    A model's predicted energy per forward pass grew by more than the `regression` budget
    against the base of the comparison: the same file at `--diff-base REF`, or its entry in a
    `--baseline` report. A model that is new at the base is reported as new, not as a regression.

Why:
    Budgets catch a model that is already too expensive; this catches the pull request that
    makes it so, one step at a time. The base is priced with the same profile, batch size and
    input shapes, so the change is the model's own.

Example:
    [tool.energy-lint.budgets]
    regression = "+5%"   # energy-lint check models/ --diff-base origin/main
"""

from __future__ import annotations

from collections.abc import Iterator

from ..results import ModelResult
from ..units import format_energy
from .base import ERROR, Finding

CODE = "EL104"
NAME = "energy-regression"
SEVERITY = ERROR


def check(model: ModelResult) -> Iterator[Finding]:
    tolerance = model.budgets.regression
    change = model.change
    if tolerance is None or change is None or change <= tolerance:
        return
    assert model.base is not None and model.base.energy_j is not None
    yield Finding(
        f"{format_energy(model.estimate.energy_j)} per forward pass is {change:+.1%} against "
        f"{model.base.source} ({format_energy(model.base.energy_j)}; tolerance {tolerance:+.0%})"
    )
