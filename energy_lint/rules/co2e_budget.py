"""What:
    The CO2e of `inferences` forward passes of one sample, at the configured country or cloud
    region's carbon intensity (times the PUE), is over the `co2e` budget.

Why:
    Emissions, not joules, are what sustainability targets are written in; the same model
    emits several times more on a coal-heavy grid than on a low-carbon one.

Example:
    inferences = 10_000_000
    country = "DEU"
    [tool.energy-lint.budgets]
    co2e = "5 kg"   # 7.4 kg for 10 M inferences in DEU: EL103
"""

from __future__ import annotations

from collections.abc import Iterator

from ..results import ModelResult
from ..units import format_count, format_mass
from .base import ERROR, Finding

CODE = "EL103"
NAME = "co2e-over-budget"
SEVERITY = ERROR


def check(model: ModelResult) -> Iterator[Finding]:
    budget = model.budgets.co2e_g
    if budget is not None and model.co2e_inferences_g > budget:
        yield Finding(
            f"{format_mass(model.co2e_inferences_g)} CO2e for {format_count(model.inferences)} "
            f"inferences is over the budget of {format_mass(budget)}"
        )
