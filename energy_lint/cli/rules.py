"""`energy-lint rules` lists the rules; `energy-lint rule CODE` explains one. Both read the
rule modules' own docstrings, the same text SARIF output carries."""

from __future__ import annotations

import sys

import click

from ..rules import RULES, RULES_BY_CODE


@click.command("rules")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rules(output_format: str) -> None:
    """List every rule: code, name, default severity and what it checks."""
    if output_format == "json":
        import json

        documents = [
            {"code": r.code, "name": r.name, "severity": r.severity, "what": r.section("What"),
             "why": r.section("Why"), "example": r.section("Example")}
            for r in RULES
        ]  # fmt: skip
        click.echo(json.dumps(documents, indent=1))
        return
    for rule in RULES:
        click.echo(f"{rule.code}  {rule.name:<26} {rule.severity:<8} {rule.summary}")


@click.command("rule")
@click.argument("code")
def rule(code: str) -> None:
    """Explain one rule: what it checks, why it matters, an example."""
    found = RULES_BY_CODE.get(code.strip().upper())
    if found is None:
        click.echo(f"error: no rule {code!r} (known: {', '.join(RULES_BY_CODE)})", err=True)
        sys.exit(2)
    click.echo(f"{found.code} {found.name} ({found.severity} by default)\n")
    for title in ("What", "Why", "Example"):
        click.echo(f"{title}:\n{_indent(found.section(title))}\n")


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.splitlines())
