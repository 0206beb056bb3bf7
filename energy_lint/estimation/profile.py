"""HardwareProfile: the fitted predictors of one machine, read from a profile directory
(docs/contracts.md, 4. Profile directory): profile.json plus one .npz of plain arrays per
predictor. Loading never
unpickles and never runs code from the directory."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EnergyLintError
from .correction import Correction
from .features import AFTER_MATMUL
from .fusion import FUSED, FusionTable
from .prior import MODEL_TRAFFIC, SIZE_FEATURES, STEPS, TAPS, Prior, combine
from .trees import TreeEnsemble

PROFILE_FORMAT = 1
BUNDLED = Path(__file__).resolve().parents[1] / "predictors"


MIN_KEPT = 1e-3
"""A family whose every timed row was fused still keeps this share of its timed cost."""


class ProfileError(EnergyLintError):
    """A profile that does not exist or cannot be read; one line naming it."""


@dataclass
class FamilyPredictor:
    family: str
    features: tuple[str, ...]
    ensemble: TreeEnsemble | LazyEnsemble
    interval_log: tuple[float, float]
    """Quantiles (5%, 95%) of cross-validated log residuals: the 90% interval of a prediction."""
    ranges: dict[str, tuple[float, float]]
    info: dict[str, Any] = field(default_factory=dict)
    prior: Prior | None = None
    """The family's physical prior; the ensemble then predicts log(energy / prior). None for a
    profile written before priors (the ensemble predicts log energy itself)."""
    fused_share: float = 0.0
    """The share of the family's layers timed in context that cost nothing (fused into a
    neighbour by the runtime): predictions are the expectation, (1 - share) x the timed cost.
    With fused_share_after, the share of the layers not right after a weight layer."""
    fused_share_after: float | None = None
    """The share of the layers right after one multiplying by weights (features.AFTER_MATMUL),
    which a runtime fuses far more often (a ReLU into its Conv); None: fused_share for all."""

    def predict_log(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Log energy of layers given as feature dicts (each holding at least `features`)."""
        missing = [name for name in self.features if rows and name not in rows[0]]
        if missing:
            raise ProfileError(
                f"the {self.family} predictor reads {', '.join(missing)}, which this energy-lint"
                " does not compute: the profile was fitted by another version; refit it"
                " (calibrate --from-csv its measurements.csv)"
            )
        matrix = np.array([[row[name] for name in self.features] for row in rows], dtype=np.float64)
        raw = self.ensemble.predict(matrix.reshape(len(rows), len(self.features)))
        kept = np.log(np.maximum(1.0 - self._shares(rows), MIN_KEPT))
        if self.prior is None:
            return raw + kept
        wanted = (*SIZE_FEATURES, STEPS, TAPS, MODEL_TRAFFIC)
        names = [name for name in wanted if all(name in row for row in rows)]
        columns = {name: np.array([row[name] for row in rows]) for name in names}
        return combine(self.prior, raw, columns, self.ranges) + kept

    def _shares(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Each row's fused share: the profile's fusion table's where the row holds one (FUSED),
        else the family's, fused_share_after for a row right after a weight layer."""
        if rows and all(FUSED in row for row in rows):
            return np.array([row[FUSED] for row in rows], dtype=np.float64)
        shares = np.full(len(rows), self.fused_share)
        if self.fused_share_after is not None:
            after = np.array([bool(row.get(AFTER_MATMUL)) for row in rows], dtype=bool)
            shares[after] = self.fused_share_after
        return shares

    def outside_ranges(self, values: dict[str, float]) -> list[str]:
        """The features of a layer that fall outside what the predictor was trained on."""
        return [
            name
            for name, (low, high) in self.ranges.items()
            if name in values and not low <= values[name] <= high
        ]


@dataclass
class TrainingPredictors:
    """How much more a training step costs than a forward pass, per layer family: predictors
    of log(training step energy / forward pass energy) of one layer at one batch, fitted on
    measured pairs (calibrate --train), and the whole-model correction of the training step."""

    families: dict[str, FamilyPredictor]
    generic: FamilyPredictor | None
    correction: Correction
    meta: dict[str, Any]
    update_j_per_param: float = 0.0
    """The optimizer update's energy per parameter, a cost of the step no layer row holds when
    layers are timed in context (fit_training.update_cost); 0 where it was not measured."""

    def predictor_for(self, family: str) -> FamilyPredictor | None:
        return self.families.get(family) or self.generic


@dataclass
class HardwareProfile:
    path: Path
    meta: dict[str, Any]
    families: dict[str, FamilyPredictor]
    generic: FamilyPredictor | None
    training: TrainingPredictors | None = None
    """None for a profile calibrated without training steps: it predicts inference only."""
    correction: Correction = field(default_factory=Correction)
    """The whole-model correction of the forward pass."""
    fusion: FusionTable | None = None
    """Which layers the runtime fuses into the kernel before them, by context (fitted on layers
    timed in context); None: each family's own fused shares apply."""

    @property
    def name(self) -> str:
        return str(self.meta.get("name", self.path.name))

    @property
    def power_description(self) -> str:
        """How each part's power was obtained ("cpu: CodeCarbon estimate ...; gpu: NVML energy
        counter"): every report shows it beside the figures, so an estimate is never taken for a
        measurement."""
        sources = self.meta.get("power_source") or {}
        return "; ".join(f"{part}: {how}" for part, how in sorted(sources.items())) or "unknown"


class LazyEnsemble:
    """A predictor's trees, read from its .npz the first time they predict: a cold check of a
    CNN never needs the recurrent, attention or training predictors, and reading every file was
    most of its time. A damaged file is then a ProfileError naming the profile, as at load."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ensemble: TreeEnsemble | None = None

    def predict(self, features: np.ndarray) -> np.ndarray:
        if self._ensemble is None:
            try:
                self._ensemble = TreeEnsemble.load(self.path)
            except (OSError, ValueError, KeyError, TypeError) as error:
                problem = f"corrupt profile ({self.path.name}: {error})"
                raise ProfileError(f"{self.path.parent}: {problem}") from None
        return self._ensemble.predict(features)


def _predictor(directory: Path, family: str, entry: dict[str, Any]) -> FamilyPredictor:
    file = directory / str(entry["file"])
    if file.parent != directory:
        raise ProfileError(f"{directory}: predictor file {entry['file']!r} is outside the profile")
    low, high = entry.get("interval_log", [0.0, 0.0])
    ranges = {name: (float(a), float(b)) for name, (a, b) in entry.get("ranges", {}).items()}
    return FamilyPredictor(
        family=family,
        features=tuple(entry["features"]),
        ensemble=LazyEnsemble(file) if file.is_file() else TreeEnsemble.load(file),
        interval_log=(float(low), float(high)),
        ranges=ranges,
        info={k: v for k, v in entry.items() if k not in ("file", "features", "ranges", "prior")},
        prior=Prior.from_dict(entry.get("prior")),
        fused_share=_share(entry.get("fused_share", 0.0)),
        fused_share_after=_optional_share(entry.get("fused_share_after_matmul")),
    )


def _optional_share(value: Any) -> float | None:
    return None if value is None else _share(value)


def _share(value: Any) -> float:
    share = float(value)
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"fused_share must be between 0 and 1, not {value}")
    return share


def load_profile(directory: Path) -> HardwareProfile:
    directory = Path(directory)
    meta_path = directory / "profile.json"
    if not meta_path.is_file():
        raise ProfileError(f"{directory}: not a profile (no profile.json)")
    try:
        meta = json.loads(meta_path.read_text())
        if meta.get("format") != PROFILE_FORMAT:
            raise ProfileError(
                f"{directory}: profile format {meta.get('format')!r}, expected {PROFILE_FORMAT}"
            )
        families = {name: _predictor(directory, name, entry) for name, entry in meta["families"].items()}
        generic = _predictor(directory, "generic", meta["generic"]) if meta.get("generic") else None
        training = _training(directory, meta["training"]) if meta.get("training") else None
        correction = Correction.from_dict(meta.get("correction"))
        fusion = FusionTable.from_dict(meta.get("fusion"))
    except ProfileError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ProfileError(f"{directory}: corrupt profile ({error})") from None
    return HardwareProfile(directory, meta, families, generic, training, correction, fusion)


def training_summary(meta: dict[str, Any]) -> dict[str, Any] | None:
    """What a profile's training predictors rest on, for `profiles` and check's JSON report;
    None for a profile calibrated without --train."""
    section = meta.get("training")
    if not section:
        return None
    generic = section.get("generic") or {}
    return {
        "layer_pairs": section.get("layer_pairs"),
        "model_rows": section.get("model_rows"),
        "optimizer": section.get("optimizer"),
        "families": sorted(section.get("families", {})),
        "cv_rmspe_generic": min(generic.get("cv_rmspe", {}).values(), default=None),
        "correction": (section.get("correction") or {}).get("kind", "none"),
        "update_j_per_param": float(section.get("update_j_per_param") or 0.0),
    }


def _training(directory: Path, section: dict[str, Any]) -> TrainingPredictors:
    families = {name: _predictor(directory, name, entry) for name, entry in section["families"].items()}
    generic = _predictor(directory, "generic", section["generic"]) if section.get("generic") else None
    update = float(section.get("update_j_per_param") or 0.0)
    if not math.isfinite(update) or update < 0:
        raise ValueError(f"update_j_per_param must be a finite non-negative number, not {update}")
    correction = Correction.from_dict(section.get("correction"))
    return TrainingPredictors(families, generic, correction, section, update)


def user_profiles_dir() -> Path:
    """Where `calibrate` writes profiles by default: $ENERGY_LINT_PROFILES, or the XDG data dir."""
    configured = os.environ.get("ENERGY_LINT_PROFILES")
    if configured:
        return Path(configured)
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "energy-lint" / "profiles"


def available_profiles() -> list[tuple[str, Path]]:
    """(where, directory) of every bundled and user profile, bundled first."""
    found = []
    for where, root in (("bundled", BUNDLED), ("user", user_profiles_dir())):
        if root.is_dir():
            found += [(where, p) for p in sorted(root.iterdir()) if (p / "profile.json").is_file()]
    return found


PREFERRED = ("cpu-xeon-2core-tf-ctx", "h100-torch-fp32")
"""Bundled profiles in the order `check` prefers them when none is configured.
cpu-xeon-2core-tf-ctx is fitted on layers timed inside their running models (a tf.function, XLA
off) on a 2-core Xeon, and judged on whole models of architecture families it never saw
(benchmarks/RESULTS.md); it superseded cpu-xeon-2core-tf, fitted on layers measured one by one
(retired; its measurements stay in calibration/cpu-xeon-2core-tf/). The H100 profile (GPU energy
measured by NVML) is to come first once its calibration is complete (issue 6); with its first 490
rows it is bundled for trying out (--profile h100-torch-fp32), not the default. Training
predictors: cpu-xeon-2core-tf-ctx (ratios read inside training steps of 49 models) and
cpu-epyc-2core-tf (643 forward rows, 240 training-step rows of layers measured alone)."""


FORMAT_PREFERRED: dict[str, tuple[str, ...]] = {"onnx": ("cpu-epyc-2core-ort",)}
"""Bundled profiles preferred for a run whose every model is of one format: an .onnx file is
run by onnxruntime, whose kernels, fusions and overheads are not TensorFlow's, and
cpu-epyc-2core-ort was measured there (on a 2-core AMD EPYC VM: another machine than the Keras
default's Xeon). It superseded cpu-xeon-2core-ort (retired; its measurements stay in
calibration/cpu-xeon-2core-ort4/), whose campaign had one attention architecture."""


def default_profile(formats: Collection[str | None] = ()) -> Path:
    """The bundled profile `check` uses when none is configured: the one measured on the
    runtime of the models' format where every model has the same format and one is bundled,
    else the first of PREFERRED."""
    bundled = {directory.name: directory for where, directory in available_profiles() if where == "bundled"}
    only = set(formats)
    preferred = FORMAT_PREFERRED.get(str(only.pop()), ()) if len(only) == 1 else ()
    for name in (*preferred, *PREFERRED):
        if name in bundled:
            return bundled[name]
    if bundled:
        return next(iter(bundled.values()))
    raise ProfileError("no bundled profile found: give one with --profile NAME|DIR")


def find_profile(name_or_path: str) -> Path:
    """A profile by directory path, or by name among the bundled and the user profiles."""
    candidate = Path(name_or_path)
    if (candidate / "profile.json").is_file():
        return candidate
    for _, directory in available_profiles():
        if directory.name == name_or_path:
            return directory
    known = ", ".join(directory.name for _, directory in available_profiles())
    raise ProfileError(f"no profile {name_or_path!r} (available: {known or 'none'})")
