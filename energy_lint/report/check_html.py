"""`energy-lint check --format html`: one self-contained page to attach to a CI run or open
locally. Nothing is fetched (inline CSS, charts as inline SVG, no script at all); <details>
folds each model's table of every layer. Everything from a model file goes through
html.escape. The layer rows omit their optional end tags so that a page of a hundred models
stays small."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, TextIO

from ..errors import one_line
from ..graph.layers.base import shape_text
from ..results import CheckedModel
from ..rules import RULES_BY_CODE
from ..units import format_count, format_energy, format_mass
from .charts import svg_chart
from .run import CheckRun
from .summary import (
    GREENER_HEAD,
    change_phrase,
    change_text,
    extra_lines,
    greener_rows,
    layer_sum_note,
    top_layers,
)

if TYPE_CHECKING:
    from ..engine.model_check import CheckSettings
    from ..results import ModelResult

TOP_LAYERS = 5
FOLD_VIOLATIONS_OVER = 10
"""A model with more violations than this shows them folded, under a line that counts them."""

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
margin:1.2rem 1.6rem;color:#1f2328;background:#fff}
h1{font-size:1.35rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.6rem 0 .3rem}
h3{font-size:.95rem;margin:.8rem 0 .2rem}
.meta{color:#57606a;margin:.1rem 0}
table{border-collapse:collapse;margin:.4rem 0}
th,td{padding:2px 9px;border-bottom:1px solid #d8dee4;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
.num td:nth-child(n+2),.num th:nth-child(n+2){text-align:right}
.layers{font-size:12.5px}.layers td:nth-child(n+4):nth-child(-n+7){text-align:right}
.top td:nth-child(n+3):nth-child(-n+4){text-align:right}
h2 code{font-size:15px}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f6f8fa;padding:0 3px}
.error{color:#cf222e;font-weight:600}.warning{color:#9a6700;font-weight:600}
.dim{color:#6e7781}.x{color:#9a6700}.violations td:nth-child(-n+2){white-space:nowrap}
.chart text{font-size:12px;fill:#1f2328}.chart .value{fill:#57606a}
summary{cursor:pointer;color:#0969da}a{color:#0969da}
section{border-top:1px solid #d8dee4;margin-top:1rem}
""".replace("\n", "")


def _e(value: object) -> str:
    """Escaped text on one line (a newline in a layer name is shown as \\n)."""
    return escape(one_line(str(value)))


def energy_range(low: float, high: float) -> str:
    """ "18.8 to 53 mJ" when both ends share a unit, else "512 mJ to 1.2 J": short, for big tables."""
    low_text, high_text = format_energy(low), format_energy(high)
    low_number, _, low_unit = low_text.partition(" ")
    if low_unit == high_text.partition(" ")[2]:
        return f"{low_number} to {high_text}"
    return f"{low_text} to {high_text}"


def write(run: CheckRun, out: TextIO) -> None:
    models = list(run)
    out.write(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>energy-lint check</title><style>{STYLE}</style></head><body>\n"
    )
    out.write(header(run.settings))
    if models:
        out.write(_summary_table(models))
    for index, model in enumerate(models, 1):
        out.write(_model_section(index, model))
    if run.read_errors:
        out.write('<section><h2 id="unreadable">Could not be read</h2><ul>')
        out.write("".join(f"<li><code>{_e(e.path)}</code>: {_e(e.problem)}" for e in run.read_errors))
        out.write("</ul></section>\n")
    out.write(_counts(run) + "</body></html>\n")


def header(settings: CheckSettings) -> str:
    meta = settings.profile.meta
    how = settings.profile.power_description
    grid = settings.intensity
    return (
        "<h1>energy-lint check</h1>"
        f'<p class="meta">Profile <b>{_e(settings.profile.name)}</b> ({_e(meta.get("device"))}, '
        f"{_e(meta.get('backend'))}) · power: {_e(how)}</p>"
        f'<p class="meta">Grid <b>{_e(grid.name)}</b> ({_e(grid.where)}), {grid.g_per_kwh:.0f} gCO2e/kWh, '
        f"PUE {settings.pue:g} ({_e(grid.source)}) · energy of one forward pass of one batch</p>\n"
    )


def _summary_table(models: list[CheckedModel]) -> str:
    compared = any(model.result.base is not None for model in models)
    head = ["Model", "Energy / pass", "90% interval", "Per sample", "CO2e / pass"]
    head += ["Change"] if compared else []
    head += ["Violations"]
    rows = [f'<table class="num summary"><thead><tr>{"".join(f"<th>{h}" for h in head)}</thead><tbody>']
    for index, model in enumerate(models, 1):
        result = model.result
        low, high = result.estimate.interval_j
        errors = sum(v.severity == "error" for v in model.violations)
        found = f"{len(model.violations)}" + (
            f' <span class="error">({errors} error{"s" * (errors != 1)})</span>' if errors else ""
        )
        cells = [
            f'<a href="#m{index}"><code>{_e(result.path)}</code></a>',
            format_energy(result.estimate.energy_j),
            energy_range(low, high),
            format_energy(result.energy_per_sample_j),
            format_mass(result.co2e_g),
        ]
        cells += [_e(change_text(result) or "-")] if compared else []
        cells += [found]
        rows.append("<tr>" + "".join(f"<td>{cell}" for cell in cells))
    return "\n".join(rows) + "</tbody></table>\n"


def _model_section(index: int, model: CheckedModel) -> str:
    graph, result = model.graph, model.result
    estimate = result.estimate
    low, high = estimate.interval_j
    parts = [
        f'<section id="m{index}"><h2><code>{_e(graph.path)}</code></h2>',
        f"<p>batch {graph.batch_size} · <b>{format_energy(estimate.energy_j)}</b> per forward pass "
        f"(90%: {energy_range(low, high)}) · "
        f"{format_energy(result.energy_per_sample_j)} per sample · CO2e {format_mass(result.co2e_g)} per "
        f"pass, {format_mass(result.co2e_per_sample_g)} per sample, {format_mass(result.co2e_inferences_g)} "
        f"per {format_count(result.inferences)} inferences · {format_count(result.macs)} MACs per sample · "
        f"{result.params:,} params{_change(result)}</p>",
    ]
    parts += [f"<p><b>{_e(label.capitalize())}</b> {_e(line)}</p>" for label, line in extra_lines(result)]
    note = layer_sum_note(result)
    if note:
        parts.append(f'<p class="dim">{_e(note)}</p>')
    chart = svg_chart(result)
    parts.append(
        chart or '<p class="dim">No layer was priced: every layer is an inference no-op or unknown.</p>'
    )
    parts.append(_violations(model))
    parts.append(_greener(result))
    parts.append(_top_table(model))
    parts.append(_layer_table(model))
    return "\n".join(parts) + "</section>\n"


def _greener(result: ModelResult) -> str:
    rows = greener_rows(result)
    if not rows:
        return ""
    head = "".join(f"<th>{_e(column)}" for column in GREENER_HEAD)
    body = "".join("<tr>" + "".join(f"<td>{_e(cell)}" for cell in row) for row in rows)
    return f"<h3>On each profile</h3><table><thead><tr>{head}</thead><tbody>{body}</tbody></table>"


def _change(result: ModelResult) -> str:
    phrase = change_phrase(
        result, lambda change: f"<b>{_e(change)}</b>", lambda source: f"<code>{_e(source)}</code>"
    )
    return f" · {phrase}" if phrase else ""


def _violations(model: CheckedModel) -> str:
    violations = model.violations
    if not violations:
        return '<p class="dim">No violations.</p>'
    rows = ['<table class="violations"><thead><tr><th>Code<th>Severity<th>Layer<th>Message</thead><tbody>']
    for v in violations:
        rule = RULES_BY_CODE.get(v.code)
        name = f' <span class="dim">{_e(rule.name)}</span>' if rule else ""
        layer = f"<code>{_e(v.layer)}</code>" if v.layer is not None else "-"
        severity = _e(v.severity)
        rows.append(
            f'<tr><td>{_e(v.code)}{name}<td class="{severity}">{severity}<td>{layer}<td>{_e(v.message)}'
        )
    table = "\n".join(rows) + "</tbody></table>"
    errors = sum(v.severity == "error" for v in violations)
    counted = f"{len(violations)} violations ({errors} error{'s' * (errors != 1)})"
    if len(violations) > FOLD_VIOLATIONS_OVER:
        return f"<h3>Violations</h3><details><summary>{counted}</summary>{table}</details>"
    return f"<h3>Violations</h3>{table}"


def _top_table(model: CheckedModel) -> str:
    total = model.result.estimate.layer_sum_j or 1.0
    top = top_layers(model.result, TOP_LAYERS)
    if not top:
        return ""
    rows = ['<h3>Top layers</h3><table class="top"><thead><tr><th>Layer<th>Type<th>Energy<th>Share</thead>']
    rows += [
        f"<tr><td><code>{_e(layer.name)}</code><td>{_e(layer.type)}<td>{format_energy(layer.energy_j)}"
        f"<td>{layer.energy_j / total:.1%}"
        for layer in top
    ]
    return "".join(rows) + "</table>"


def _layer_table(model: CheckedModel) -> str:
    """Every layer in the model's order. Compact on purpose: no end tags, no classes per cell,
    units inside the cells, shapes as in the text report."""
    graph, estimate = model.graph, model.result.estimate
    total = estimate.layer_sum_j or 1.0
    nodes = {node.name: node for node in graph.layers}
    rows = [
        f"<details><summary>Every layer ({len(estimate.layers)})</summary>"
        '<table class="layers"><thead><tr><th>Layer<th>Type<th>Output shape<th>MACs<th>Energy'
        "<th>90% interval<th>Share<th>Predictor<th>Extrapolated in</thead><tbody>"
    ]
    for layer in estimate.layers:
        node = nodes.get(layer.name)
        shape = ", ".join(shape_text(s) for s in node.output_shapes) if node else "?"
        macs = format_count(node.macs * graph.batch_size) if node else "?"
        low, high = layer.interval_j
        interval = energy_range(low, high) if high else "-"
        extrapolated = f'<td class="x">{_e(", ".join(layer.extrapolated))}' if layer.extrapolated else ""
        rows.append(
            f"<tr><td>{_e(layer.name)}<td>{_e(layer.type)}<td>{shape}<td>{macs}<td>"
            f"{format_energy(layer.energy_j)}<td>{interval}<td>{layer.energy_j / total:.1%}<td>"
            f"{_e(layer.predictor)}{extrapolated}"
        )
    return "\n".join(rows) + "</tbody></table></details>"


def _counts(run: CheckRun) -> str:
    by_code = ""
    if run.statistics and run.by_code:
        by_code = " · " + ", ".join(f"{run.by_code[c]} {_e(c)}" for c in sorted(run.by_code))
    return f'<p id="counts"><b>{_e(run.totals())}</b>{by_code}</p>\n'
