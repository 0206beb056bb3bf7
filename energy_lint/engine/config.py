"""Configuration of `energy-lint check` (docs/contracts.md, 7. Configuration):
[tool.energy-lint] in pyproject.toml or the
top level of energy-lint.toml, found from the current directory upwards (the first file that
has a section wins, as with ruff and black). Every key is validated here, so that a typo fails
with the key and the file named instead of being silently ignored."""

from __future__ import annotations

import fnmatch
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import EnergyLintError
from ..estimation.generation import Workload
from ..estimation.training_estimate import TrainingPlan
from ..impact.quality import QualitySettings
from ..results import Budgets
from ..rules import RULES
from ..units import parse_energy_j, parse_mass_g, parse_percent

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_NAMES = ("energy-lint.toml", "pyproject.toml")
OPTION_KEYS = {
    "profile": str,
    "batch-size": int,
    "input-shape": list,
    "country": str,
    "region": str,
    "pue": float,
    "inferences": int,
    "select": list,
    "ignore": list,
    "extend-select": list,
}
# budget key: (Budgets field, parser of its human units)
BUDGET_KEYS = {
    "forward-pass": ("forward_pass_j", parse_energy_j),
    "per-sample": ("per_sample_j", parse_energy_j),
    "co2e": ("co2e_g", parse_mass_g),
    "regression": ("regression", parse_percent),
    "layer-share": ("layer_share", parse_percent),
    "unknown-share": ("unknown_share", parse_percent),
    "training": ("training_j", parse_energy_j),
    "training-co2e": ("training_co2e_g", parse_mass_g),
    "per-token": ("per_token_j", parse_energy_j),
}
TRAINING_KEYS = ("epochs", "training-samples", "validation-samples", "batch-size")
"""[tool.energy-lint.training]: positive integers; epochs and training-samples are required
(in the table or in an override that sets them for its paths), validation-samples defaults to
0 and batch-size to 32."""
QUALITY_KEYS = {"metric": str, "scale": float, "points-per-decade": float, "tolerance": float}
"""[tool.energy-lint.quality]: how EL106 weighs quality against energy (quality.py)."""
WORKLOAD_KEYS = {"sequence-length": 1, "generated-tokens": 0}
"""Models built from their configuration (KerasHub backbones, Hugging Face config.json): the
prompt's tokens and the tokens generated after it, at the top level or per override; the value
is the smallest allowed."""
DEFAULT_WORKLOAD = Workload(sequence_length=128, generated_tokens=128)
OVERRIDE_KEYS = {
    "paths", "layers", "reason", "budgets", "ignore", "training", "quality", "input-shape", *WORKLOAD_KEYS
}  # fmt: skip
SEVERITIES = ("error", "warning")


class ConfigError(EnergyLintError):
    """A configuration file that cannot be used: one line naming the file and the key."""


@dataclass(frozen=True)
class Override:
    paths: tuple[str, ...]
    layers: tuple[str, ...]
    reason: str
    budgets: dict[str, float]
    ignore: tuple[str, ...]
    training: dict[str, int] = field(default_factory=dict)
    quality: float | None = None
    workload: dict[str, int] = field(default_factory=dict)
    input_shapes: tuple[tuple[int, ...], ...] = ()
    """What --input-shape would give, for these paths (a sequence model's length, say)."""

    def matches_path(self, path: str) -> bool:
        return not self.paths or any(_glob_match(path, pattern) for pattern in self.paths)

    def matches_layer(self, name: str) -> bool:
        return not self.layers or any(fnmatch.fnmatchcase(name, pattern) for pattern in self.layers)


@dataclass(frozen=True)
class ModelSettings:
    """One model's settings, resolved from the configuration once (its matching overrides
    applied in order) and passed down: what the check of that model reads."""

    budgets: Budgets
    training_plan: TrainingPlan | None
    quality: float | None
    """The quality the last matching override declares, if any (a sidecar file wins)."""
    quality_settings: QualitySettings
    overrides: tuple[Override, ...] = ()
    """The overrides whose paths match the model: what `ignores` consults."""
    workload: Workload = DEFAULT_WORKLOAD
    """Prompt and generated tokens, for a model built from its configuration."""

    def ignores(self, code: str, layer: str | None) -> bool:
        """An override ignores a code for its paths; one with layer globs only for those layers."""
        for override in self.overrides:
            if not any(code.startswith(prefix) for prefix in override.ignore):
                continue
            if not override.layers or (layer is not None and override.matches_layer(layer)):
                return True
        return False


@dataclass
class Config:
    path: Path | None = None
    options: dict[str, Any] = field(default_factory=dict)
    """Values for the command's options, keyed by option name (batch_size, country...)."""
    budgets: Budgets = field(default_factory=Budgets)
    overrides: list[Override] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    training: dict[str, int] = field(default_factory=dict)
    """[tool.energy-lint.training] as given, keys with underscores."""
    quality: QualitySettings = field(default_factory=QualitySettings)
    workload: dict[str, int] = field(default_factory=dict)
    """sequence-length and generated-tokens as given, keys with underscores."""

    @property
    def root(self) -> Path:
        """Override globs are relative to the directory of the configuration file."""
        return self.path.parent if self.path else Path.cwd()

    def settings_for(self, model_path: str) -> ModelSettings:
        """A model's budgets, training run and declared quality: the tables, then each
        override whose paths match, in order."""
        relative = self.relative(model_path)
        matching = tuple(o for o in self.overrides if o.matches_path(relative))
        budgets, training, quality = self.budgets, dict(self.training), None
        workload = {**DEFAULT_WORKLOAD.__dict__, **self.workload}
        for override in matching:
            workload.update(override.workload)
            if override.budgets:
                budgets = budgets.updated(override.budgets)
            training.update(override.training)
            if override.quality is not None:
                quality = override.quality
        plan = TrainingPlan(**training) if {"epochs", "training_samples"} <= training.keys() else None
        return ModelSettings(budgets, plan, quality, self.quality, matching, Workload(**workload))

    def input_shapes_for(self, model_path: str) -> tuple[tuple[int, ...], ...]:
        """The input shapes the last matching override gives, else the table's, else ()."""
        relative = self.relative(model_path)
        shapes: tuple[tuple[int, ...], ...] = self.options.get("input_shapes", ())
        for override in self.overrides:
            if override.input_shapes and override.matches_path(relative):
                shapes = override.input_shapes
        return shapes

    def relative(self, model_path: str) -> str:
        path = Path(model_path).resolve()
        try:
            return path.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return Path(model_path).as_posix()


def _glob_match(path: str, pattern: str) -> bool:
    """Match a posix path against a glob where ** spans directories and * does not."""
    return PurePosixPath(path).match(pattern) or fnmatch.fnmatchcase(path, pattern)


def find_config(start: Path) -> Path | None:
    """The nearest energy-lint.toml, or pyproject.toml with a [tool.energy-lint] table."""
    for directory in [start, *start.parents]:
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_section(candidate)):
                return candidate
    return None


def _has_section(pyproject: Path) -> bool:
    try:
        return "energy-lint" in _read_toml(pyproject).get("tool", {})
    except ConfigError:
        return True  # a broken pyproject.toml that mentions us should fail loudly when loaded


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror or error})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    document = _read_toml(path)
    table = document if path.name != "pyproject.toml" else document.get("tool", {}).get("energy-lint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.energy-lint] must be a table")
    return parse_config(table, path)


def parse_config(table: dict[str, Any], path: Path) -> Config:
    config = Config(path=path)
    for key, value in table.items():
        if key in OPTION_KEYS:
            config.options[key.replace("-", "_")] = _typed(path, key, value, OPTION_KEYS[key])
        elif key == "budgets":
            config.budgets = Budgets().updated(_budgets(path, "budgets", value))
        elif key == "overrides":
            config.overrides = [
                _override(path, index, item) for index, item in enumerate(_list(path, key, value))
            ]
        elif key == "severity":
            config.severity = _severity(path, value)
        elif key == "quality":
            config.quality = _quality_settings(path, value)
        elif key in WORKLOAD_KEYS:
            config.workload.update(_workload(path, "", {key: value}))
        elif key == "training":
            config.training = _training(path, "training", value)
            if config.training and not {"epochs", "training_samples"} <= set(config.training):
                raise ConfigError(f"{path}: training: give epochs and training-samples")
        else:
            raise ConfigError(f"{path}: unknown key {key!r} (known: {', '.join(_known_keys())})")
    for key in ("select", "ignore", "extend_select"):
        if key in config.options:
            config.options[key] = tuple(_codes(path, key.replace("_", "-"), config.options[key]))
    if "input_shape" in config.options:
        config.options["input_shapes"] = _input_shapes(path, "input-shape", config.options.pop("input_shape"))
    if "pue" in config.options and config.options["pue"] < 1.0:
        raise ConfigError(f"{path}: pue must be at least 1.0, got {config.options['pue']}")
    for key in ("batch_size", "inferences"):
        if key in config.options and config.options[key] < 1:
            raise ConfigError(f"{path}: {key.replace('_', '-')} must be a positive integer")
    return config


def _known_keys() -> list[str]:
    return [*OPTION_KEYS, *WORKLOAD_KEYS, "budgets", "overrides", "severity", "training", "quality"]


def _typed(path: Path, key: str, value: Any, kind: type) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ConfigError(f"{path}: {key} must be {_kind_name(kind)}, got {value!r}")
    return value


def _kind_name(kind: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", list: "a list"}[kind]


def _list(path: Path, key: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError(f"{path}: {key} must be a list, got {value!r}")
    return value


def _strings(path: Path, key: str, value: Any) -> tuple[str, ...]:
    items = _list(path, key, value)
    if not all(isinstance(item, str) and item for item in items):
        raise ConfigError(f"{path}: {key} must be a list of non-empty strings")
    return tuple(items)


_CODE = re.compile(r"^EL\d{0,3}$")


def _codes(path: Path, key: str, value: Any) -> list[str]:
    codes = []
    for code in _strings(path, key, value):
        code = code.upper()
        if not _CODE.match(code) or not any(rule.code.startswith(code) for rule in RULES):
            raise ConfigError(f"{path}: {key}: no rule code starts with {code!r} (see energy-lint rules)")
        codes.append(code)
    return codes


def _budgets(path: Path, where: str, value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {where} must be a table")
    budgets = {}
    for key, text in value.items():
        if key not in BUDGET_KEYS:
            raise ConfigError(f"{path}: {where}: unknown budget {key!r} (known: {', '.join(BUDGET_KEYS)})")
        name, parse = BUDGET_KEYS[key]
        try:
            budgets[name] = parse(text)
        except ValueError as error:
            raise ConfigError(f"{path}: {where}.{key}: {error}") from None
    return budgets


def _override(path: Path, index: int, item: Any) -> Override:
    where = f"overrides[{index}]"
    if not isinstance(item, dict):
        raise ConfigError(f"{path}: {where} must be a table")
    unknown = set(item) - OVERRIDE_KEYS
    if unknown:
        raise ConfigError(
            f"{path}: {where}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(OVERRIDE_KEYS))})"
        )
    if not item.get("reason"):
        raise ConfigError(f"{path}: {where}: give a reason for the override")
    paths = _strings(path, f"{where}.paths", item.get("paths", []))
    layers = _strings(path, f"{where}.layers", item.get("layers", []))
    for pattern in (*paths, *layers):
        _check_glob(path, where, pattern)
    return Override(
        paths=paths,
        layers=layers,
        reason=str(item["reason"]),
        budgets=_budgets(path, f"{where}.budgets", item.get("budgets", {})),
        ignore=tuple(_codes(path, f"{where}.ignore", item.get("ignore", []))),
        training=_training(path, f"{where}.training", item.get("training", {})),
        quality=_typed(path, f"{where}.quality", item["quality"], float) if "quality" in item else None,
        workload=_workload(path, f"{where}.", {k: v for k, v in item.items() if k in WORKLOAD_KEYS}),
        input_shapes=_input_shapes(path, f"{where}.input-shape", item.get("input-shape", [])),
    )


def _workload(path: Path, where: str, values: dict[str, Any]) -> dict[str, int]:
    workload = {}
    for key, number in values.items():
        least = WORKLOAD_KEYS[key]
        if not isinstance(number, int) or isinstance(number, bool) or number < least:
            kind = "a positive integer" if least else "an integer of 0 or more"
            raise ConfigError(f"{path}: {where}{key} must be {kind}, got {number!r}")
        workload[key.replace("-", "_")] = number
    return workload


def _input_shapes(path: Path, where: str, value: Any) -> tuple[tuple[int, ...], ...]:
    """input-shape = [5000, 4] (one shape), [[60, 6], [30, 6]] or ["60,6", "30,6"] (one per
    input), batch excluded, as --input-shape takes them."""
    from ..graph.layers.base import MAX_DIM

    items = _list(path, where, value)
    items = [_dims_of(item) if isinstance(item, str) else item for item in items]
    shapes = items if items and all(isinstance(item, list) for item in items) else [items] if items else []
    for shape in shapes:
        if not shape or not all(type(d) is int and 1 <= d <= MAX_DIM for d in shape):
            raise ConfigError(
                f"{path}: {where} must be a list of positive integers like [5000, 4] "
                f"(or a list of them, one per input), got {value!r}"
            )
    return tuple(tuple(shape) for shape in shapes)


def _dims_of(text: str) -> list[int] | str:
    """ "3,224,224" -> [3, 224, 224]; text that is no such list stays as it is, to be refused."""
    parts = [part.strip() for part in text.replace("x", ",").split(",")]
    return [int(part) for part in parts] if all(part.isdigit() for part in parts) else text


def _training(path: Path, where: str, value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {where} must be a table")
    plan = {}
    for key, number in value.items():
        if key not in TRAINING_KEYS:
            raise ConfigError(f"{path}: {where}: unknown key {key!r} (known: {', '.join(TRAINING_KEYS)})")
        if (
            not isinstance(number, int)
            or isinstance(number, bool)
            or number < (0 if "validation" in key else 1)
        ):
            raise ConfigError(f"{path}: {where}.{key} must be a positive integer, got {number!r}")
        plan[key.replace("-", "_")] = number
    return plan


def _quality_settings(path: Path, value: Any) -> QualitySettings:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: quality must be a table")
    settings = {}
    for key, item in value.items():
        if key not in QUALITY_KEYS:
            raise ConfigError(f"{path}: quality: unknown key {key!r} (known: {', '.join(QUALITY_KEYS)})")
        settings[key.replace("-", "_")] = _typed(path, f"quality.{key}", item, QUALITY_KEYS[key])
    if settings.get("scale", 1.0) <= 0 or settings.get("points_per_decade", 1.0) < 0:
        raise ConfigError(f"{path}: quality: scale must be positive and points-per-decade not negative")
    return QualitySettings(**settings)


def _check_glob(path: Path, where: str, pattern: str) -> None:
    """Reject what no file could match by mistake: unbalanced brackets, absolute paths."""
    if pattern.count("[") != pattern.count("]") or pattern.startswith("/"):
        raise ConfigError(f"{path}: {where}: bad glob {pattern!r}")


def _severity(path: Path, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(f'{path}: severity must be a table of rule code = "error" or "warning"')
    known = {rule.code for rule in RULES}
    for code, level in value.items():
        if code not in known:
            raise ConfigError(f"{path}: severity: unknown rule code {code!r}")
        if level not in SEVERITIES:
            raise ConfigError(f'{path}: severity.{code} must be "error" or "warning", got {level!r}')
    return dict(value)
