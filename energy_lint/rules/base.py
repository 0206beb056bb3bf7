"""What every rule shares: the finding it yields, the model result it reads, and the Rule record
built from a rule module (CODE, NAME, SEVERITY, a What/Why/Example docstring, check)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Budgets
    from ..estimate import Estimate
    from ..greener import ProfileEstimate
    from ..quality import Quality, QualitySettings
    from ..training import TrainingEstimate, TrainingPlan

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    """What a rule found, before configuration decides its severity or ignores it."""

    message: str
    layer: str | None = None


@dataclass(frozen=True)
class Violation:
    code: str
    message: str
    severity: str
    layer: str | None = None


@dataclass(frozen=True)
class BaseEstimate:
    """The same model's energy at the base of a comparison: a git ref (--diff-base) or a saved
    JSON report (--baseline). energy_j is None when the model is new there."""

    source: str
    energy_j: float | None
    use_energy_j: float | None = None
    """Its energy in use (training + inferences), what the accuracy-per-energy score counts."""
    quality: float | None = None
    """Its quality metric there (sidecar at the ref, or the report's), if known."""


@dataclass
class ModelResult:
    """One model's estimate and everything derived from it that rules and reports read."""

    path: str
    estimate: Estimate
    macs: int
    params: int
    energy_per_sample_j: float
    co2e_g: float
    """CO2e of one forward pass of the batch."""
    co2e_per_sample_g: float
    co2e_inferences_g: float
    """CO2e of `inferences` forward passes of one sample."""
    inferences: int
    budgets: Budgets
    base: BaseEstimate | None = None
    """Set only when a comparison was asked for."""
    training_plan: TrainingPlan | None = None
    """The configured training run of this model, if any."""
    training: TrainingEstimate | None = None
    """Its energy; None without a plan or where the profile has no training measurements."""
    training_co2e_g: float | None = None
    quality: Quality | None = None
    """The model's declared quality metric (sidecar or configuration), if any."""
    score: float | None = None
    """Accuracy per energy (quality.score), where the quality is known."""
    quality_settings: QualitySettings | None = None
    estimates: list[ProfileEstimate] = field(default_factory=list)
    """The model on each profile of the run, the first being the one above."""

    @property
    def use_energy_j(self) -> float:
        """Energy in use: the predicted training run (where priced) plus `inferences` forward
        passes of one sample. The accuracy-per-energy score weighs quality against it."""
        training = self.training.energy_j if self.training is not None else 0.0
        return training + self.inferences * self.energy_per_sample_j

    @property
    def change(self) -> float | None:
        """Relative growth of the energy against the base (0.1 is +10%); None when there is
        nothing to compare with."""
        if self.base is None or self.base.energy_j is None or self.base.energy_j <= 0:
            return None
        return self.estimate.energy_j / self.base.energy_j - 1.0


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    doc: str
    check: Callable[[ModelResult], Iterable[Finding]]

    @classmethod
    def from_module(cls, module: ModuleType) -> Rule:
        return cls(module.CODE, module.NAME, module.SEVERITY, module.__doc__ or "", module.check)

    @property
    def summary(self) -> str:
        return self.section("What").split("\n\n")[0].replace("\n", " ")

    def section(self, title: str) -> str:
        """The text under a "What:", "Why:" or "Example:" heading of the docstring."""
        match = re.search(rf"^{title}:\s*\n(.*?)(?=^\w+:\s*$|\Z)", self.doc, re.M | re.S)
        return _dedent(match.group(1)) if match else ""


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip()
