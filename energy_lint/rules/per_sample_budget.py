"""What:
    The predicted energy per sample (one forward pass of the batch divided by the batch size) is
    over the `per-sample` budget.

Why:
    Per-sample energy is what serving cost scales with: it compares models run at different
    batch sizes, where the energy of one pass does not.

Example:
    [tool.energy-lint.budgets]
    per-sample = "300 mJ"
    # examples/resnet50.json at batch 32 predicts 1.44 J per sample on cpu-xeon-2core-tf-ctx: EL102
"""

from __future__ import annotations

from collections.abc import Iterator

from ..results import ModelResult
from ..units import format_energy
from .base import ERROR, Finding

CODE = "EL102"
NAME = "per-sample-over-budget"
SEVERITY = ERROR


def check(model: ModelResult) -> Iterator[Finding]:
    budget = model.budgets.per_sample_j
    if budget is not None and model.energy_per_sample_j > budget:
        yield Finding(
            f"{format_energy(model.energy_per_sample_j)} per sample is over the budget of "
            f"{format_energy(budget)}"
        )
