"""The contracts live in the repository (docs/contracts.md): every pointer in the code names a
section that exists, nothing points at a design file outside the repository, and the
configuration section lists every key the configuration reader accepts."""

from __future__ import annotations

import re
from pathlib import Path

from energy_lint.engine.config import BUDGET_KEYS, OPTION_KEYS, OVERRIDE_KEYS

REPO = Path(__file__).resolve().parents[1]
DOC = (REPO / "docs" / "contracts.md").read_text(encoding="utf-8")
SOURCES = {path: path.read_text(encoding="utf-8") for path in (REPO / "energy_lint").rglob("*.py")}


def test_every_pointer_names_a_section() -> None:
    headings = set(re.findall(r"^## (\d\. .+)$", DOC, re.M))
    pointers = {
        (path.name, match)
        for path, text in SOURCES.items()
        for match in re.findall(r"docs/contracts\.md, (\d\. [A-Za-z]+(?: [A-Za-z]+)?)", text)
    }
    assert pointers, "the code cites docs/contracts.md"
    for name, pointer in pointers:
        assert pointer in headings, f"{name} cites '{pointer}', not a heading of docs/contracts.md"


def test_nothing_cites_the_design_notes_outside_the_repository() -> None:
    assert [path.name for path, text in SOURCES.items() if "DESIGN.md" in text] == []
    assert [path.name for path, text in SOURCES.items() if re.search(r"\bcontract \d", text)] == []


def test_configuration_section_lists_every_key() -> None:
    section = DOC[DOC.index("## 7. Configuration") :]
    for key in [*OPTION_KEYS, *BUDGET_KEYS, *OVERRIDE_KEYS]:
        assert re.search(rf"(^|[\s{{]){re.escape(key)} =", section, re.M), key
