"""The check itself, without the command line: a model graph and the settings in, the model's
result and its violations out. Rules read the result; configuration decides which rules run,
their severity, and which findings an override ignores."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .carbon import CarbonIntensity, co2e_g
from .config import Config, Override
from .estimate import estimate
from .graph import ModelGraph
from .greener import PricedProfile, profile_estimate
from .profile import HardwareProfile
from .quality import choose_quality, read_sidecar, score
from .rules import RULES, BaseEstimate, ModelResult, Violation, selected_codes
from .training import estimate_training


@dataclass
class CheckSettings:
    profile: HardwareProfile
    intensity: CarbonIntensity
    pue: float = 1.0
    inferences: int = 1_000_000
    enabled: set[str] = field(default_factory=lambda: selected_codes())
    config: Config = field(default_factory=Config)
    others: list[PricedProfile] = field(default_factory=list)
    """Further profiles to price every model on (--profile A --profile B): compared in the
    report; rules and the main figures use the first."""

    @property
    def priced_profiles(self) -> list[PricedProfile]:
        return [PricedProfile(self.profile, self.intensity), *self.others]

    def on(self, priced: PricedProfile) -> CheckSettings:
        return replace(self, profile=priced.profile, intensity=priced.intensity, others=[])


def check_model(
    graph: ModelGraph, settings: CheckSettings, base: BaseEstimate | None = None
) -> tuple[ModelResult, list[Violation]]:
    """The estimate and its violations; `base` is the model's energy before the change, when
    a comparison was asked for. A malformed sidecar raises EnergyLintError naming it."""
    sidecar = read_sidecar(graph.path)
    result = estimate_model(graph, settings, sidecar)
    result.estimates = [profile_estimate(settings.priced_profiles[0], result, settings.pue)]
    for priced in settings.others:
        other = estimate_model(graph, settings.on(priced), sidecar)
        result.estimates.append(profile_estimate(priced, other, settings.pue))
    result.base = base
    return result, violations_of(result, settings)


def estimate_model(
    graph: ModelGraph,
    settings: CheckSettings,
    sidecar: tuple[str, bytes] | None = None,
    config_path: str | None = None,
) -> ModelResult:
    """Every figure of one model; `sidecar` is its metrics file's (name, content), if any, and
    `config_path` the path the configuration's per-path settings are looked up by (a base
    model read from git is named REF:path, but is configured as the file it was)."""
    config_path = config_path or graph.path
    energy = estimate(graph, settings.profile)
    per_sample = energy.energy_j / graph.batch_size
    plan = settings.config.training_for(config_path)
    training = estimate_training(graph, settings.profile, plan) if plan else None
    result = ModelResult(
        path=graph.path,
        estimate=energy,
        macs=graph.macs,
        params=graph.params,
        energy_per_sample_j=per_sample,
        co2e_g=co2e_g(energy.energy_j, settings.intensity, settings.pue),
        co2e_per_sample_g=co2e_g(per_sample, settings.intensity, settings.pue),
        co2e_inferences_g=co2e_g(per_sample * settings.inferences, settings.intensity, settings.pue),
        inferences=settings.inferences,
        budgets=settings.config.budgets_for(config_path),
        training_plan=plan,
        training=training,
        training_co2e_g=co2e_g(training.energy_j, settings.intensity, settings.pue) if training else None,
    )
    config = settings.config
    result.quality_settings = config.quality
    result.quality = choose_quality(sidecar, config.quality.metric, config.quality_for(config_path))
    if result.quality is not None:
        result.score = score(result.quality.value, result.use_energy_j, config.quality)
    return result


def base_of(
    graph: ModelGraph, settings: CheckSettings, source: str, sidecar: tuple[str, bytes] | None, path: str
) -> BaseEstimate:
    """A model as it stood at the base of a comparison (`path` is the file now), priced
    exactly as now."""
    result = estimate_model(graph, settings, sidecar, config_path=path)
    quality = result.quality.value if result.quality is not None else None
    return BaseEstimate(source, result.estimate.energy_j, result.use_energy_j, quality)


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
