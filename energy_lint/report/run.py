"""CheckRun: what every output format of `check` reads. Models stream through it one at a time
(so that text and JSON can print each before the next is read); it counts the violations on the
way, and formats that need every model at once (SARIF, markdown, HTML) simply list() it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import ModelReadError
from ..graph import ModelGraph
from ..results import ModelResult, Violation

if TYPE_CHECKING:
    from ..engine.model_check import CheckSettings


@dataclass(frozen=True)
class CheckedModel:
    graph: ModelGraph
    result: ModelResult
    violations: list[Violation]


@dataclass
class CheckRun:
    models: Iterable[CheckedModel]
    settings: CheckSettings
    read_errors: list[ModelReadError] = field(default_factory=list)
    """Inputs that could not be read; complete only once `models` has been iterated."""
    verbose: bool = False
    statistics: bool = False
    by_code: dict[str, int] = field(default_factory=dict)
    error_count: int = 0
    """Violations of error severity, counted while iterating."""
    model_count: int = 0
    """Models checked, counted while iterating."""

    def __iter__(self) -> Iterator[CheckedModel]:
        for model in self.models:
            self.model_count += 1
            for violation in model.violations:
                self.by_code[violation.code] = self.by_code.get(violation.code, 0) + 1
                self.error_count += violation.severity == "error"
            yield model

    @property
    def violation_count(self) -> int:
        return sum(self.by_code.values())

    def totals(self) -> str:
        """The run's last line in every format: "All checks passed." or "Found 3 violations (1
        error), 2 inputs could not be read." """
        found, errors, unreadable = self.violation_count, self.error_count, len(self.read_errors)
        if not self.model_count and not unreadable:
            return "No model file was checked."
        if not found and not unreadable:
            return "All checks passed."
        parts = [f"{found} violation{'s' * (found != 1)} ({errors} error{'s' * (errors != 1)})"]
        if unreadable:
            parts.append(f"{unreadable} input{'s' * (unreadable != 1)} could not be read")
        return "Found " + ", ".join(parts) + "."
