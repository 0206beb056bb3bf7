"""Output formats: one module per format, listed here explicitly. Each check format's module
has `write(run: CheckRun, out: TextIO)` and is imported only when asked for."""

from __future__ import annotations

import importlib
from types import ModuleType

CHECK_FORMATS: dict[str, str] = {
    "text": "a table per model (rich on a terminal)",
    "json": "one document, docs/contracts.md, 2. check JSON",
    "sarif": "SARIF 2.1.0, for GitHub code scanning",
    "github": "workflow commands (annotations) and a job summary",
    "markdown": "a pull-request comment",
    "html": "one self-contained page",
}


def check_writer(name: str) -> ModuleType:
    if name not in CHECK_FORMATS:
        raise ValueError(f"unknown format {name!r}")
    return importlib.import_module(f".check_{name}", __name__)
