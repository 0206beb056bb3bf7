"""What:
    A change makes the model cost more energy in use than it buys in quality: its
    accuracy-per-energy score fell by more than the `tolerance` of [tool.energy-lint.quality]
    against the base of the comparison (--diff-base REF or --baseline FILE), while its energy
    grew. The score is

        score = scale x quality - points-per-decade x log10(energy in kWh)

    with the quality from the model's sidecar (`<stem>.metrics.json`, e.g. {"accuracy": 0.761})
    or an override's `quality = 0.761`, and the energy in use = the predicted training run
    (when [tool.energy-lint.training] applies) + `inferences` forward passes of one sample.
    Defaults: metric "accuracy", scale 100, 5 points per decade, tolerance 0: ten times the
    energy must buy 5 points of accuracy.

Why:
    "Is the bigger model worth it?" is the question a reviewer asks of a change to a model.
    Energy grows on a multiplicative scale and accuracy on an additive one; comparing
    accuracy with the logarithm of energy (as the "Watt For What" GreenQuotientIndex does)
    lets neither swamp the other. Both versions are priced with the same profile and settings.

Example:
    # models/resnet101.metrics.json: {"accuracy": 0.774}, at origin/main 0.761 (resnet50)
    energy-lint check models/ --diff-base origin/main
    # 1.9x the energy (0.28 decades) needs +1.4 points at 5 per decade, buys +1.3: EL106
"""

from __future__ import annotations

from collections.abc import Iterator

from ..impact.quality import points_needed, score
from ..results import ModelResult
from ..units import format_energy
from .base import ERROR, Finding

CODE = "EL106"
NAME = "accuracy-per-energy"
SEVERITY = ERROR


def check(model: ModelResult) -> Iterator[Finding]:
    base, quality, settings = model.base, model.quality, model.quality_settings
    if base is None or quality is None or settings is None or model.score is None:
        return
    if base.quality is None or base.use_energy_j is None or base.use_energy_j <= 0:
        return
    energy = model.use_energy_j
    if energy <= base.use_energy_j:
        return
    base_score = score(base.quality, base.use_energy_j, settings)
    if model.score >= base_score - settings.tolerance:
        return
    needed = points_needed(base.use_energy_j, energy, settings)
    bought = settings.scale * (quality.value - base.quality)
    yield Finding(
        f"{energy / base.use_energy_j:.3g}x the energy in use ({format_energy(base.use_energy_j)} -> "
        f"{format_energy(energy)}) needs {needed:+.2f} points of {settings.metric} at "
        f"{settings.points_per_decade:g} per decade; it buys {bought:+.2f} "
        f"({base.quality:g} at {base.source} -> {quality.value:g}): "
        f"score {base_score:.2f} -> {model.score:.2f}"
    )
