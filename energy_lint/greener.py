"""Which hardware is greener (the question of ../shared/research, seeds 001 and 002: the best
GPU depends on the model): every model priced on several profiles, each with the grid it runs
on, and the cheapest named. `--profile A --profile B@aws:eu-north-1`: a profile name or
directory, optionally with the country or cloud region of that hardware after "@"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .carbon import CarbonIntensity, co2e_g

if TYPE_CHECKING:
    from .profile import HardwareProfile
    from .rules import ModelResult


@dataclass(frozen=True)
class PricedProfile:
    """A profile and the grid its hardware draws from."""

    profile: HardwareProfile
    intensity: CarbonIntensity


@dataclass(frozen=True)
class ProfileEstimate:
    """One model on one profile: what `--profile A --profile B` compares."""

    profile: str
    device: str
    power: str
    grid: str
    g_per_kwh: float
    energy_j: float
    interval_j: tuple[float, float]
    energy_per_sample_j: float
    co2e_g: float
    training_j: float | None
    use_energy_j: float
    """Training (where priced) + `inferences` forward passes of one sample."""
    use_co2e_g: float
    duration_s: float | None = None
    """No bundled profile predicts time yet: None, and reports say "not predicted"."""


def split_choice(choice: str) -> tuple[str, str | None]:
    """ "h100@aws:us-east-1" -> ("h100", "aws:us-east-1"); a name without "@" has no region."""
    name, at, region = choice.rpartition("@")
    return (name, region) if at and name and region else (choice, None)


def profile_estimate(priced: PricedProfile, result: ModelResult, pue: float) -> ProfileEstimate:
    estimate = result.estimate
    training = result.training.energy_j if result.training is not None else None
    return ProfileEstimate(
        profile=priced.profile.name,
        device=str(priced.profile.meta.get("device")),
        power=str(priced.profile.meta.get("power") or "unknown"),
        grid=priced.intensity.where,
        g_per_kwh=priced.intensity.g_per_kwh,
        energy_j=estimate.energy_j,
        interval_j=estimate.interval_j,
        energy_per_sample_j=result.energy_per_sample_j,
        co2e_g=result.co2e_g,
        training_j=training,
        use_energy_j=result.use_energy_j,
        use_co2e_g=co2e_g(result.use_energy_j, priced.intensity, pue),
    )


def cheapest(estimates: list[ProfileEstimate]) -> ProfileEstimate | None:
    """The profile whose hardware emits least for the model in use; None for a single one."""
    if len(estimates) < 2:
        return None
    return min(estimates, key=lambda estimate: estimate.use_co2e_g)
