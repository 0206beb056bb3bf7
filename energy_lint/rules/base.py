"""What every rule shares: the finding it yields and the Rule record built from a rule module
(CODE, NAME, SEVERITY, a What/Why/Example docstring, check). The model result a rule reads is
the engine's (engine/results.py)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType

from ..results import ModelResult

ERROR, WARNING = "error", "warning"
"""The two severities a rule can have; configuration may change a rule's (severity table)."""


@dataclass(frozen=True)
class Finding:
    """What a rule found, before configuration decides its severity or ignores it."""

    message: str
    layer: str | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    doc: str
    check: Callable[[ModelResult], Iterable[Finding]]

    @classmethod
    def from_module(cls, module: ModuleType) -> Rule:
        return cls(module.CODE, module.NAME, module.SEVERITY, module.__doc__ or "", module.check)

    @property
    def summary(self) -> str:
        return self.section("What").split("\n\n")[0].replace("\n", " ")

    def section(self, title: str) -> str:
        """The text under a "What:", "Why:" or "Example:" heading of the docstring."""
        match = re.search(rf"^{title}:\s*\n(.*?)(?=^\w+:\s*$|\Z)", self.doc, re.M | re.S)
        return _dedent(match.group(1)) if match else ""


def _dedent(text: str) -> str:
    return textwrap.dedent(text).strip()
