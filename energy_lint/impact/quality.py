"""Accuracy per energy (the "Watt For What" idea of ../shared/research, seed 002): a model is
judged by what it achieves for the electricity it uses, on a log scale of energy, so that a
model ten times as expensive must be markedly better, not marginally.

    score = scale x quality - points_per_decade x log10(energy in kWh)

quality: the model's metric, higher is better (accuracy 0.761, or any other), from a sidecar
file next to the model (`<stem>.metrics.json`, {"accuracy": 0.761}) or from the configuration
(an override's `quality = 0.761` for its paths). energy: what the model costs in use, the
predicted training run (when [tool.energy-lint.training] applies and the profile prices it)
plus `inferences` forward passes of one sample. With the defaults (scale 100, 5 points per
decade), a change that multiplies that energy by 10 must buy 5 points of accuracy."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import EnergyLintError

JOULES_PER_KWH = 3.6e6
SIDECAR_SUFFIX = ".metrics.json"


@dataclass(frozen=True)
class QualitySettings:
    """[tool.energy-lint.quality]."""

    metric: str = "accuracy"
    scale: float = 100.0
    points_per_decade: float = 5.0
    tolerance: float = 0.0
    """Points of score a change may lose before EL106 fires."""


@dataclass(frozen=True)
class Quality:
    value: float
    source: str
    """The sidecar file it was read from, or "configuration"."""


def sidecar_path(model_path: str | Path) -> Path:
    path = Path(model_path)
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def parse_sidecar(name: str, data: bytes, metric: str) -> float | None:
    """The metric's value in a sidecar's content; None when the file does not name it."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise EnergyLintError(f"{name}: not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise EnergyLintError(f'{name}: expected an object like {{"{metric}": 0.76}}')
    if metric not in document:
        return None
    value = document[metric]
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise EnergyLintError(f"{name}: {metric} must be a number, got {value!r}")
    return float(value)


def read_sidecar(model_path: str) -> tuple[str, bytes] | None:
    """(name, content) of the model's sidecar in the working tree, or None."""
    sidecar = sidecar_path(model_path)
    if not sidecar.is_file():
        return None
    try:
        return str(sidecar), sidecar.read_bytes()
    except OSError as error:
        raise EnergyLintError(f"{sidecar}: cannot be read ({error.strerror or error})") from None


def choose_quality(
    sidecar: tuple[str, bytes] | None, metric: str, configured: float | None
) -> Quality | None:
    """The sidecar's value (the model's own, versioned with it), else the configured one."""
    if sidecar is not None:
        value = parse_sidecar(sidecar[0], sidecar[1], metric)
        if value is not None:
            return Quality(value, sidecar[0])
    return Quality(configured, "configuration") if configured is not None else None


def score(quality: float, energy_j: float, settings: QualitySettings) -> float:
    energy_kwh = max(energy_j, 1e-300) / JOULES_PER_KWH
    return settings.scale * quality - settings.points_per_decade * math.log10(energy_kwh)


def points_needed(base_energy_j: float, energy_j: float, settings: QualitySettings) -> float:
    """The quality points a change from `base_energy_j` to `energy_j` must buy to keep its score."""
    return settings.points_per_decade * math.log10(energy_j / base_energy_j)
