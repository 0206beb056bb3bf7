"""The check itself, without the command line: model graphs and the run's settings in, each
model's result and violations out. A model's settings are resolved from the configuration once
(config.ModelSettings) and passed down; rules read only the result; the configuration decides
which rules run, their severity, and which findings an override ignores."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import EnergyLintError, ModelReadError, unexpected
from ..estimation.forward_pass import estimate
from ..estimation.generation import estimate_generation
from ..estimation.profile import HardwareProfile
from ..estimation.training_estimate import estimate_training
from ..graph import ModelGraph
from ..impact.carbon import CarbonIntensity, co2e_g
from ..impact.hardware_comparison import PricedProfile, ProfileEstimate
from ..impact.quality import choose_quality, read_sidecar, score
from ..results import BaseEstimate, CheckedModel, ModelResult, Violation
from ..rules import RULES, selected_codes
from .comparison import Comparison
from .config import Config, ModelSettings


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


def check_models(
    graphs: Iterable[ModelGraph],
    settings: CheckSettings,
    comparison: Comparison | None,
    errors: list[ModelReadError],
    on_error: Callable[[ModelReadError], None] = lambda error: None,
) -> Iterator[CheckedModel]:
    """Each model's result, its base when a comparison was asked for, and its violations. A
    base that cannot be read is an input error of that model, which is still checked; a bad
    metrics sidecar makes the model an input error."""
    for graph in graphs:
        model_settings = settings.config.settings_for(graph.path)
        graph = sized(graph, model_settings)
        base = None
        if comparison is not None:

            def price(
                base_graph: ModelGraph,
                source: str,
                sidecar: tuple[str, bytes] | None,
                model_settings: ModelSettings = model_settings,
            ) -> BaseEstimate:
                return base_of(base_graph, settings, model_settings, source, sidecar)

            try:
                with np.errstate(over="raise", divide="raise", invalid="raise"):
                    base = comparison.base_for(graph, price)
            except EnergyLintError as error:
                problem = str(error).removeprefix(f"{graph.path}: ")
                _record(ModelReadError(graph.path, f"base: {problem}"), errors, on_error)
            except Exception as error:  # the per-file boundary, as for the model itself below
                _record(unexpected(graph.path, "pricing its base", error), errors, on_error)
        try:
            # A numpy overflow or NaN means a figure computed from nonsense: that model's
            # error, not a warning on stderr beside a number.
            with np.errstate(over="raise", divide="raise", invalid="raise"):
                result, violations = check_model(graph, settings, model_settings, base)
        except EnergyLintError as error:
            _record(ModelReadError(graph.path, str(error).removeprefix(f"{graph.path}: ")), errors, on_error)
            continue
        except Exception as error:  # the per-file boundary: one model's bug never ends the run
            _record(unexpected(graph.path, "pricing it", error), errors, on_error)
            continue
        yield CheckedModel(graph, result, violations)


def sized(graph: ModelGraph, model_settings: ModelSettings) -> ModelGraph:
    """A model built from its configuration, over the prompt its settings ask for."""
    transformer = getattr(graph, "transformer", None)  # a TransformerGraph's; no other graph has one
    if transformer is None:
        return graph
    # The registry loads only with a transformer read: an .onnx run never imports it.
    from ..graph.architectures import resized
    from ..graph.architectures.base import sequence_length

    tokens = sequence_length(transformer, model_settings.workload.sequence_length)
    return graph if tokens == graph.sequence_length else resized(graph, tokens)


def _record(
    error: ModelReadError, errors: list[ModelReadError], on_error: Callable[[ModelReadError], None]
) -> None:
    on_error(error)
    errors.append(error)


def check_model(
    graph: ModelGraph,
    settings: CheckSettings,
    model_settings: ModelSettings | None = None,
    base: BaseEstimate | None = None,
) -> tuple[ModelResult, list[Violation]]:
    """The estimate and its violations; `base` is the model's energy before the change, when
    a comparison was asked for. A malformed sidecar raises EnergyLintError naming it."""
    model_settings = model_settings or settings.config.settings_for(graph.path)
    sidecar = read_sidecar(graph.path)
    result = estimate_model(graph, settings, model_settings, sidecar)
    result.estimates = [profile_estimate(settings.priced_profiles[0], result, settings.pue)]
    for priced in settings.others:
        other = estimate_model(graph, settings.on(priced), model_settings, sidecar)
        result.estimates.append(profile_estimate(priced, other, settings.pue))
    result.base = base
    return result, violations_of(result, settings, model_settings)


def estimate_model(
    graph: ModelGraph,
    settings: CheckSettings,
    model_settings: ModelSettings,
    sidecar: tuple[str, bytes] | None = None,
) -> ModelResult:
    """Every figure of one model; `sidecar` is its metrics file's (name, content), if any."""
    graph = sized(graph, model_settings)
    energy = estimate(graph, settings.profile)
    per_sample = energy.energy_j / graph.batch_size
    plan = model_settings.training_plan
    training = estimate_training(graph, settings.profile, plan) if plan else None

    def grams(joules: float) -> float:
        return co2e_g(joules, settings.intensity, settings.pue)

    result = ModelResult(
        path=graph.path,
        estimate=energy,
        macs=graph.macs,
        params=graph.params,
        energy_per_sample_j=per_sample,
        co2e_g=grams(energy.energy_j),
        co2e_per_sample_g=grams(per_sample),
        co2e_inferences_g=grams(per_sample * settings.inferences),
        inferences=settings.inferences,
        budgets=model_settings.budgets,
        training_plan=plan,
        training=training,
        training_co2e_g=grams(training.energy_j) if training else None,
        quality_settings=model_settings.quality_settings,
        generation=estimate_generation(graph, settings.profile, energy, model_settings.workload),
    )
    quality_settings = model_settings.quality_settings
    result.quality = choose_quality(sidecar, quality_settings.metric, model_settings.quality)
    if result.quality is not None:
        result.score = score(result.quality.value, result.use_energy_j, quality_settings)
    return result


def base_of(
    graph: ModelGraph,
    settings: CheckSettings,
    model_settings: ModelSettings,
    source: str,
    sidecar: tuple[str, bytes] | None,
) -> BaseEstimate:
    """A model as it stood at the base of a comparison, priced exactly as now and configured
    as the file it is now (a base read from git is named REF:path)."""
    result = estimate_model(graph, settings, model_settings, sidecar)
    quality = result.quality.value if result.quality is not None else None
    return BaseEstimate(source, result.estimate.energy_j, result.use_energy_j, quality)


def profile_estimate(priced: PricedProfile, result: ModelResult, pue: float) -> ProfileEstimate:
    """One model's figures on one profile, on that profile's grid."""
    estimate_ = result.estimate
    training = result.training.energy_j if result.training is not None else None
    return ProfileEstimate(
        profile=priced.profile.name,
        device=str(priced.profile.meta.get("device")),
        power=str(priced.profile.meta.get("power") or "unknown"),
        grid=priced.intensity.where,
        g_per_kwh=priced.intensity.g_per_kwh,
        energy_j=estimate_.energy_j,
        interval_j=estimate_.interval_j,
        energy_per_sample_j=result.energy_per_sample_j,
        co2e_g=result.co2e_g,
        training_j=training,
        use_energy_j=result.use_energy_j,
        use_co2e_g=co2e_g(result.use_energy_j, priced.intensity, pue),
    )


def violations_of(
    result: ModelResult, settings: CheckSettings, model_settings: ModelSettings
) -> list[Violation]:
    config = settings.config
    found = []
    for rule in RULES:
        if rule.code not in settings.enabled:
            continue
        severity = config.severity.get(rule.code, rule.severity)
        for finding in rule.check(result):
            if not model_settings.ignores(rule.code, finding.layer):
                found.append(Violation(rule.code, finding.message, severity, finding.layer))
    return found
