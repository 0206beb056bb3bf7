"""The check itself, without the command line: a model graph and the settings in, the model's
result and its violations out. Rules read the result; configuration decides which rules run,
their severity, and which findings an override ignores."""

from __future__ import annotations

from dataclasses import dataclass, field

from .carbon import CarbonIntensity, co2e_g
from .config import Config, Override
from .estimate import estimate
from .graph import ModelGraph
from .profile import HardwareProfile
from .rules import RULES, BaseEstimate, ModelResult, Violation, selected_codes


@dataclass
class CheckSettings:
    profile: HardwareProfile
    intensity: CarbonIntensity
    pue: float = 1.0
    inferences: int = 1_000_000
    enabled: set[str] = field(default_factory=lambda: selected_codes())
    config: Config = field(default_factory=Config)


def check_model(
    graph: ModelGraph, settings: CheckSettings, base: BaseEstimate | None = None
) -> tuple[ModelResult, list[Violation]]:
    """The estimate and its violations; `base` is the model's energy before the change, when
    a comparison was asked for."""
    result = estimate_model(graph, settings)
    result.base = base
    return result, violations_of(result, settings)


def estimate_model(graph: ModelGraph, settings: CheckSettings) -> ModelResult:
    energy = estimate(graph, settings.profile)
    per_sample = energy.energy_j / graph.batch_size
    return ModelResult(
        path=graph.path,
        estimate=energy,
        macs=graph.macs,
        params=graph.params,
        energy_per_sample_j=per_sample,
        co2e_g=co2e_g(energy.energy_j, settings.intensity, settings.pue),
        co2e_per_sample_g=co2e_g(per_sample, settings.intensity, settings.pue),
        co2e_inferences_g=co2e_g(per_sample * settings.inferences, settings.intensity, settings.pue),
        inferences=settings.inferences,
        budgets=settings.config.budgets_for(graph.path),
    )


def violations_of(result: ModelResult, settings: CheckSettings) -> list[Violation]:
    config = settings.config
    relative = config.relative(result.path)
    overrides = [o for o in config.overrides if o.matches_path(relative)]
    found = []
    for rule in RULES:
        if rule.code not in settings.enabled:
            continue
        severity = config.severity.get(rule.code, rule.severity)
        for finding in rule.check(result):
            if not _ignored(rule.code, finding.layer, overrides):
                found.append(Violation(rule.code, finding.message, severity, finding.layer))
    return found


def _ignored(code: str, layer: str | None, overrides: list[Override]) -> bool:
    """An override ignores a code for its paths; one with layer globs only for those layers."""
    for override in overrides:
        if not any(code.startswith(prefix) for prefix in override.ignore):
            continue
        if not override.layers or (layer is not None and override.matches_layer(layer)):
            return True
    return False
