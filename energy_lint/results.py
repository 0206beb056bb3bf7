"""The result model: what the check of one model produces and what rules and reports read. It
holds figures only (no configuration object, no profile to ask again): the engine resolves a
model's settings once and writes what the rules need here."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .estimation.forward_pass import Estimate
from .estimation.generation import GenerationEstimate
from .estimation.training_estimate import TrainingEstimate, TrainingPlan
from .graph import ModelGraph
from .impact.hardware_comparison import ProfileEstimate
from .impact.quality import Quality, QualitySettings


@dataclass(frozen=True)
class Budgets:
    """One model's budgets, after the overrides that match its path."""

    forward_pass_j: float | None = None
    per_sample_j: float | None = None
    co2e_g: float | None = None
    regression: float | None = None
    layer_share: float = 0.5
    """A single layer above this share of the total is reported (EL201)."""
    unknown_share: float = 0.1
    """A model with more than this share of its priced layers, or of its params, left unknown
    fails (EL305): its estimate covers only part of its compute."""
    training_j: float | None = None
    training_co2e_g: float | None = None
    per_token_j: float | None = None
    """Energy per generated token (EL107), for a model built from its configuration."""

    def updated(self, values: dict[str, float]) -> Budgets:
        return replace(self, **values)


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
    generation: GenerationEstimate | None = None
    """Prefill, decode per token and per 1,000 tokens, for a model built from its
    configuration (KerasHub backbone, Hugging Face config.json); None for any other."""

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
class CheckedModel:
    """A model's graph, its result and the violations its settings let through."""

    graph: ModelGraph
    result: ModelResult
    violations: list[Violation]
