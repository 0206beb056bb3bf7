"""Each rule's documentation (its module's What/Why/Example docstring) as markdown and as plain
text. docs/rules.md (scripts/make_rules_doc.py) and the SARIF rule help share it, so that the
page a SARIF helpUri links to says what the help says, under the anchor the URI names."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..rules import Rule

GENERATOR = "scripts/make_rules_doc.py"
_TOML_LINE = re.compile(r"^\s*(\[.*\]|[\w.-]+\s*=.*|#.*)?\s*$")


def heading(rule: Rule) -> str:
    """The rule's heading in docs/rules.md: "EL101 forward-pass-over-budget"."""
    return f"{rule.code} {rule.name}"


def github_anchor(text: str) -> str:
    """The id GitHub gives a markdown heading (github-slugger): lower case, punctuation other
    than "-" and "_" dropped, spaces made hyphens."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchor(rule: Rule) -> str:
    return github_anchor(heading(rule))


def unwrapped(text: str) -> str:
    """The docstring's hard-wrapped lines joined into one line per paragraph."""
    return "\n\n".join(" ".join(part.split()) for part in text.split("\n\n") if part.strip())


def _example_markdown(example: str) -> str:
    """A configuration example as a TOML block; a sentence as a paragraph."""
    if example and all(_TOML_LINE.match(line) for line in example.splitlines()):
        return f"```toml\n{example}\n```"
    return example


def rule_markdown(rule: Rule) -> str:
    """The body under the rule's heading: default severity, What, Why and Example."""
    parts = [
        f"Default severity: **{rule.severity}**",
        f"**What**: {rule.section('What')}",
        f"**Why**: {rule.section('Why')}",
        f"**Example**:\n\n{_example_markdown(rule.section('Example'))}",
    ]
    return "\n\n".join(parts) + "\n"


def rule_text(rule: Rule) -> str:
    """The same as plain text, for viewers that do not render markdown."""
    return (
        f"{heading(rule)} (default severity: {rule.severity})\n\n"
        f"What: {unwrapped(rule.section('What'))}\n\n"
        f"Why: {unwrapped(rule.section('Why'))}\n\n"
        f"Example:\n{rule.section('Example')}\n"
    )


def rules_document(rules: Iterable[Rule]) -> str:
    """docs/rules.md: an index table, then one section per rule in code order."""
    rules = list(rules)
    lines = [
        "# Rules",
        "",
        f"<!-- Generated from the rule registry (energy_lint/rules/) by {GENERATOR}: do not edit. -->",
        "",
        "EL1xx are budgets, EL2xx show where the energy goes, EL3xx say how far the estimate can be",
        "trusted. Select or ignore rules by code or prefix (`select`, `ignore`, `extend-select`),",
        "change a rule's severity under `[tool.energy-lint.severity]`; `energy-lint rule CODE` prints",
        "one rule's text.",
        "",
        "| Code | Name | Default severity | What |",
        "| --- | --- | --- | --- |",
    ]
    for rule in rules:
        summary = rule.summary.replace("|", "\\|")
        lines.append(f"| [{rule.code}](#{anchor(rule)}) | {rule.name} | {rule.severity} | {summary} |")
    for rule in rules:
        lines += ["", f"## {heading(rule)}", "", rule_markdown(rule).rstrip("\n")]
    return "\n".join(lines) + "\n"
