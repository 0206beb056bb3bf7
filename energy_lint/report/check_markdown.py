"""`energy-lint check --format markdown`: a report to paste into a pull-request comment. The
summary table first (with the change against the base when one was asked for), then per model
its top layers and a mermaid chart of the energy by layer type (folded in <details> when there
are several models), the violations, the inputs that could not be read, and the counts.

Names from model files can hold anything: they go into code spans that nothing can close
(`code`) or through `text`, which escapes markdown and HTML, so that a layer called
"a|b`<script>" neither breaks a table nor becomes markup."""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING, TextIO

from ..errors import one_line
from ..results import CheckedModel, Violation
from ..rules import RULES_BY_CODE
from ..units import format_count, format_energy, format_mass
from .charts import mermaid_chart
from .run import CheckRun
from .summary import (
    GREENER_HEAD,
    change_phrase,
    extra_lines,
    greener_rows,
    layer_sum_note,
    markdown_table,
    top_layers,
)

if TYPE_CHECKING:
    from ..engine.model_check import CheckSettings
    from ..results import ModelResult

TOP_LAYERS = 5
GROUP_OVER = 3
"""Without --verbose, a layer rule firing on more layers of one model than this is one row."""
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
_BACKTICKS = re.compile(r"`+")


def text(value: object) -> str:
    """Plain text that renders as itself: one line, HTML special characters as entities and
    markdown punctuation backslash-escaped (`\\|` also keeps a table cell whole)."""
    line = one_line(str(value))
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", escape(line, quote=False))


def code(value: object, in_table: bool = True) -> str:
    """A code span around any text: its fence is longer than any run of backticks inside; in a
    table a `|` is escaped, which GitHub's table parser removes again."""
    line = one_line(str(value))
    if in_table:
        line = line.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(line)), default=0) + 1)
    pad = " " if line.startswith("`") or line.endswith("`") or not line.strip() else ""
    return f"{fence}{pad}{line}{pad}{fence}"


def header(settings: CheckSettings) -> str:
    meta = settings.profile.meta
    how = settings.profile.power_description
    grid = settings.intensity
    return (
        f"**Profile** {code(settings.profile.name, False)} ({text(meta.get('device'))}, "
        f"{text(meta.get('backend'))}), power: {text(how)} · **Grid** {text(grid.name)} "
        f"({text(grid.where)}), {grid.g_per_kwh:.0f} gCO2e/kWh, PUE {settings.pue:g} "
        f"({text(grid.source)})\n"
    )


COMMENT_LIMIT = 65_536
"""GitHub refuses a pull-request comment longer than this many characters."""


def write(run: CheckRun, out: TextIO) -> None:
    """The whole report, made to fit one GitHub comment: past COMMENT_LIMIT, per-model sections
    and then violation rows are left out, each with a line saying how many and where the rest is."""
    models = list(run)
    results = [model.result for model in models]
    head = "## energy-lint check\n\n" + header(run.settings) + "\n"
    if models:
        head += "Energy of one forward pass of one batch on the profile's hardware.\n\n"
        head += markdown_table(results) + "\n"
    folded = len(models) > 1
    sections = [_model_section(model, run.verbose, folded) + "\n" for model in models]
    rows = [f"| {' | '.join(row)} |\n" for row in _violation_rows(models, run.verbose)]
    tail = _statistics(run) + _unreadable(run) + counts(run) + "\n"
    room = COMMENT_LIMIT - len(head) - len(tail) - 1_000  # 1,000 for the table head and notes
    room -= sum(map(len, rows))
    sections, left_out = _fitting(sections, room)
    out.write(head + "".join(sections))
    if left_out:
        out.write(
            f"_{left_out} model section(s) left out to fit a GitHub comment: `--format html` has all._\n\n"
        )
    if rows:
        rows, rows_left_out = _fitting(rows, COMMENT_LIMIT - len(head) - len(tail) - 1_000)
        out.write("### Violations\n\n| Model | Code | Severity | Layer | Message |\n")
        out.write("| --- | --- | --- | --- | --- |\n" + "".join(rows) + "\n")
        if rows_left_out:
            out.write(f"_… and {rows_left_out} more violations: `--format json` lists them all._\n\n")
    out.write(tail)


def _fitting(parts: list[str], room: int) -> tuple[list[str], int]:
    """The leading parts that fit in `room` characters, and how many did not."""
    kept, used = [], 0
    for part in parts:
        if used + len(part) > room:
            break
        kept.append(part)
        used += len(part)
    return kept, len(parts) - len(kept)


def _statistics(run: CheckRun) -> str:
    if not (run.statistics and run.by_code):
        return ""
    lines = ["### Violations by rule\n\n| Count | Code | Rule |\n| ---: | --- | --- |\n"]
    for rule_code in sorted(run.by_code):
        name = RULES_BY_CODE[rule_code].name if rule_code in RULES_BY_CODE else ""
        lines.append(f"| {run.by_code[rule_code]} | {rule_code} | {text(name)} |\n")
    return "".join(lines) + "\n"


def _unreadable(run: CheckRun) -> str:
    if not run.read_errors:
        return ""
    listed = "".join(f"- {code(e.path, False)}: {text(e.problem)}\n" for e in run.read_errors)
    return "### Could not be read\n\n" + listed + "\n"


def counts(run: CheckRun) -> str:
    return f"**{run.totals()}**"


def _model_section(model: CheckedModel, verbose: bool, folded: bool) -> str:
    graph, result = model.graph, model.result
    estimate = result.estimate
    low, high = estimate.interval_j
    blocks = [
        f"Batch {graph.batch_size} · **{format_energy(estimate.energy_j)}** per forward pass "
        f"(90%: {format_energy(low)} to {format_energy(high)}) · "
        f"{format_energy(result.energy_per_sample_j)} per sample · CO2e {format_mass(result.co2e_g)} "
        f"per pass, {format_mass(result.co2e_inferences_g)} per {format_count(result.inferences)} "
        f"inferences · {format_count(result.macs)} MACs per sample · {result.params:,} params"
        + _change(result),
        *(f"**{label.capitalize()}** {text(line)}" for label, line in extra_lines(result)),
        layer_sum_note(result),
        _layer_table(model, verbose),
        greener_table(result),
        mermaid_chart(result).rstrip("\n"),
    ]
    body = "\n\n".join(block for block in blocks if block) + "\n"
    if not folded:
        return f"### {code(graph.path, False)}\n\n{body}"
    count = len(model.violations)
    summary = (
        f"<code>{escape(one_line(graph.path))}</code> · {format_energy(estimate.energy_j)}"
        f"{f' · {count} violation' + 's' * (count != 1) if count else ''}"
    )
    return f"<details><summary>{summary}</summary>\n\n{body}\n</details>\n"


def greener_table(result: ModelResult) -> str:
    """The model on each profile of the run, cheapest marked; "" for a single profile."""
    rows = greener_rows(result)
    if not rows:
        return ""
    lines = ["| " + " | ".join(GREENER_HEAD[:-1]) + " | |", "|" + " --- |" * len(GREENER_HEAD)]
    for row in rows:
        lines.append("| " + " | ".join([code(row[0]), *(text(cell) for cell in row[1:])]) + " |")
    return "**On each profile**\n\n" + "\n".join(lines)


def _change(result: ModelResult) -> str:
    phrase = change_phrase(result, lambda change: f"**{change}**", lambda source: code(source, False))
    return f" · {phrase}" if phrase else ""


def _layer_table(model: CheckedModel, verbose: bool) -> str:
    estimate = model.result.estimate
    total = estimate.layer_sum_j or 1.0
    ranked = sorted(estimate.layers, key=lambda layer: layer.energy_j, reverse=True)
    shown = ranked if verbose else top_layers(model.result, TOP_LAYERS)
    if not shown:
        return "No layer was priced: every layer is an inference no-op or unknown."
    rows = ["| Layer | Type | Energy | Share | Predictor |", "| --- | --- | ---: | ---: | --- |"]
    for layer in shown:
        predictor = text(layer.predictor) + (" (extrapolated)" if layer.extrapolated else "")
        rows.append(
            f"| {code(layer.name)} | {code(layer.type)} | {format_energy(layer.energy_j)} | "
            f"{layer.energy_j / total:.1%} | {predictor} |"
        )
    if len(ranked) > len(shown):
        rows += ["", f"… {len(ranked) - len(shown)} more layers (`--verbose` shows all)"]
    return "\n".join(rows)


def _violation_rows(models: list[CheckedModel], verbose: bool) -> list[list[str]]:
    """Cells of the violations table. Without --verbose a layer rule that fires on more than
    GROUP_OVER layers of one model is one row naming the first few, as in the text format."""
    rows: list[list[str]] = []
    for model in models:
        path = code(model.graph.path)
        by_code: dict[str, list[Violation]] = {}
        for violation in model.violations:
            by_code.setdefault(violation.code, []).append(violation)
        for group in by_code.values():
            layered = [v for v in group if v.layer is not None]
            single = group if verbose or len(layered) <= GROUP_OVER else [v for v in group if v.layer is None]
            for v in single:
                layer = code(v.layer) if v.layer is not None else "-"
                rows.append([path, v.code, v.severity, layer, text(v.message)])
            if len(single) < len(group):
                names = ", ".join(code(v.layer) for v in layered[:GROUP_OVER])
                first = layered[0]
                rows.append(
                    [
                        path,
                        first.code,
                        first.severity,
                        f"{len(layered)} layers: {names}, …",
                        f"e.g. {text(first.message)} (`--verbose` lists each)",
                    ]
                )
    return rows
