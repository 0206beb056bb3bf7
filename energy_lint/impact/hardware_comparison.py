"""Which hardware is greener (the question of ../shared/research, seeds 001 and 002: the best
GPU depends on the model): every model priced on several profiles, each with the grid it runs
on, and the cheapest named. `--profile A --profile B@aws:eu-north-1`: a profile name or
directory, optionally with the country or cloud region of that hardware after "@"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .carbon import CarbonIntensity

if TYPE_CHECKING:
    from ..estimation.profile import HardwareProfile


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


def split_choice(choice: str) -> tuple[str, str | None]:
    """ "h100@aws:us-east-1" -> ("h100", "aws:us-east-1"); a name without "@" has no region."""
    name, at, region = choice.rpartition("@")
    return (name, region) if at and name and region else (choice, None)


def cheapest(estimates: list[ProfileEstimate]) -> ProfileEstimate | None:
    """The profile whose hardware emits least for the model in use; None for a single one."""
    if len(estimates) < 2:
        return None
    return min(estimates, key=lambda estimate: estimate.use_co2e_g)
