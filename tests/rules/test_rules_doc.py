"""docs/rules.md is generated from the rule registry: it must match what the registry says now,
say everything each rule's docstring says, and carry the headings the SARIF helpUri link to."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from energy_lint.report.check_sarif import help_uri
from energy_lint.report.rule_docs import github_anchor, heading, rules_document
from energy_lint.rules import RULES
from tests.check_cli import REPO

pytestmark = pytest.mark.slow

DOC = REPO / "docs" / "rules.md"
SCRIPT = REPO / "scripts" / "make_rules_doc.py"


def test_docs_rules_md_is_up_to_date_with_the_registry() -> None:
    assert DOC.read_text(encoding="utf-8") == rules_document(RULES), (
        "docs/rules.md is out of date: run python scripts/make_rules_doc.py"
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_each_rule_has_its_section_with_what_why_and_example(rule) -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n## {heading(rule)}\n")
    following = text.find("\n## ", start + 1)
    section = text[start : following if following != -1 else None]
    assert f"**{rule.severity}**" in section
    for part in ("What", "Why", "Example"):
        assert rule.section(part) in section


def test_help_uris_name_the_headings_github_renders() -> None:
    anchors = {github_anchor(line[3:]) for line in DOC.read_text().splitlines() if line.startswith("## ")}
    for rule in RULES:
        assert help_uri(rule).split("#")[1] in anchors
    assert len(anchors) == len(RULES)


def test_github_anchor_follows_github_slugs() -> None:
    """GitHub's slugs: lower case, punctuation dropped except - and _, each space a hyphen."""
    assert github_anchor("EL101 forward-pass-over-budget") == "el101-forward-pass-over-budget"
    assert github_anchor("Why: the (real) cost, again!") == "why-the-real-cost-again"
    assert github_anchor("a_b  c") == "a_b--c"


def test_script_check_mode_detects_a_stale_page_and_rewrites_it(tmp_path: Path) -> None:
    target = tmp_path / "rules.md"
    target.write_text("# Rules\n\nstale\n")

    def script(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, str(SCRIPT), "--output", str(target), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60)

    stale = script("--check")
    assert stale.returncode == 1 and "out of date" in stale.stderr
    assert target.read_text() == "# Rules\n\nstale\n"
    assert script().returncode == 0
    assert target.read_text() == rules_document(RULES)
    assert script("--check").returncode == 0
