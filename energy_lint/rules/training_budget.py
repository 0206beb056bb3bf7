"""What:
    The predicted energy of the configured training run ([tool.energy-lint.training]: epochs x
    (steps x one training step + validation steps x one forward pass)) is over the `training`
    budget, or its CO2e at the configured grid is over the `training-co2e` budget.

Why:
    Training is where most of a model's energy goes before it serves a single request, and it
    is decided in the pull request that picks the architecture and the schedule. The training
    step's cost comes from measured training/forward ratios per layer family, not from the
    "3 x forward" rule of thumb, which misses by a factor that depends on the model.

Example:
    [tool.energy-lint.training]
    epochs = 90
    training-samples = 1_281_167
    validation-samples = 50_000
    batch-size = 256
    [tool.energy-lint.budgets]
    training = "500 kWh"       # a 610 kWh prediction: EL105
    training-co2e = "150 kg"
"""

from __future__ import annotations

from collections.abc import Iterator

from ..results import ModelResult
from ..units import format_energy, format_mass
from .base import ERROR, Finding

CODE = "EL105"
NAME = "training-over-budget"
SEVERITY = ERROR


def check(model: ModelResult) -> Iterator[Finding]:
    training, budgets = model.training, model.budgets
    if training is None:
        return
    plan = training.plan
    run = f"{plan.epochs} epochs of {plan.training_samples:,} samples at batch {plan.batch_size}"
    if budgets.training_j is not None and training.energy_j > budgets.training_j:
        yield Finding(
            f"training ({run}) is predicted at {format_energy(training.energy_j)}, over the budget "
            f"of {format_energy(budgets.training_j)}"
        )
    co2e = model.training_co2e_g
    if budgets.training_co2e_g is not None and co2e is not None and co2e > budgets.training_co2e_g:
        yield Finding(
            f"training ({run}) is predicted at {format_mass(co2e)} CO2e, over the budget of "
            f"{format_mass(budgets.training_co2e_g)}"
        )
