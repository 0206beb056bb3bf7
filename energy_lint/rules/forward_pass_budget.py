"""What:
    The predicted energy of one forward pass of one batch is over the `forward-pass` budget.

Why:
    The budget is the team's own limit for what one call of the model may cost on the profiled
    hardware. A change that crosses it should be a decision, not a surprise in the bill.

Example:
    [tool.energy-lint.budgets]
    forward-pass = "10 J"
    # examples/resnet50.json at batch 32 predicts 46.1 J on cpu-xeon-2core-tf-ctx: EL101
"""

from __future__ import annotations

from collections.abc import Iterator

from ..results import ModelResult
from ..units import format_energy
from .base import ERROR, Finding

CODE = "EL101"
NAME = "forward-pass-over-budget"
SEVERITY = ERROR


def check(model: ModelResult) -> Iterator[Finding]:
    budget = model.budgets.forward_pass_j
    if budget is not None and model.estimate.energy_j > budget:
        yield Finding(
            f"forward pass {format_energy(model.estimate.energy_j)} at batch {model.estimate.batch_size} "
            f"is over the budget of {format_energy(budget)}"
        )
