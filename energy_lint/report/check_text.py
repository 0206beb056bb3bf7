"""`energy-lint check` as text: per model a summary line, the layers that cost most (all of them
with --verbose) and the violations; then one line for the run. Names from model files are
escaped: rich markup in them prints as text."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from ..graph.layers.base import shape_text
from ..results import Violation
from ..rules import RULES_BY_CODE
from ..units import format_count, format_energy, format_mass
from .run import CheckRun
from .summary import GREENER_HEAD, change_phrase, extra_lines, greener_rows, layer_sum_note

if TYPE_CHECKING:
    from ..engine.model_check import CheckSettings

TOP_LAYERS = 5
GROUP_OVER = 3
_STYLE = {"error": "red", "warning": "yellow"}


def header(settings: CheckSettings) -> str:
    from rich.markup import escape

    meta = settings.profile.meta
    how = settings.profile.power_description
    intensity = settings.intensity
    pue = f", PUE {settings.pue:g}" if settings.pue != 1.0 else ""
    return (
        f"[dim]profile {escape(settings.profile.name)} ({escape(str(meta.get('device')))}, "
        f"{escape(str(meta.get('backend')))}; power {escape(how)})\n"
        f"grid {escape(intensity.name)} ({escape(intensity.where)}) {intensity.g_per_kwh:.0f} gCO2e/kWh{pue} "
        f"from {escape(intensity.source)}[/]"
    )


def write(run: CheckRun, out: TextIO) -> None:
    """rich on a terminal (it honours NO_COLOR); plain and 200 columns wide when piped or to a file."""
    from rich.console import Console

    console = Console(file=out, highlight=False, width=None if out.isatty() else 200)
    render(run, console)
    summary(run, console)


def render(run: CheckRun, console) -> None:  # console: rich.console.Console
    from rich.markup import escape
    from rich.table import Table

    settings, verbose = run.settings, run.verbose
    console.print(header(settings))
    console.print()
    for model in run:
        graph, result, violations = model.graph, model.result, model.violations
        estimate = result.estimate
        low, high = estimate.interval_j
        console.print(
            f"[bold]{escape(graph.path)}[/]  batch {graph.batch_size} · "
            f"[bold]{format_energy(estimate.energy_j)}[/] per forward pass "
            f"(90%: {format_energy(low)} to {format_energy(high)}) · "
            f"{format_energy(result.energy_per_sample_j)} per sample · "
            f"CO2e {format_mass(result.co2e_g)} per pass, "
            f"{format_mass(result.co2e_per_sample_g)} per sample, "
            f"{format_mass(result.co2e_inferences_g)} per "
            f"{format_count(result.inferences)} inferences · {format_count(result.macs)} MACs per sample · "
            f"{result.params:,} params"
        )
        if result.base is not None:
            console.print(_change(result))
        for note in graph.notes:  # what the reader assumed or could not read (as inspect says)
            console.print(f"  note: {escape(note)}")
        for label, line in extra_lines(result):
            console.print(f"  {label}: {escape(line)}")
        total = estimate.layer_sum_j or 1.0
        nodes = {node.name: node for node in graph.layers}
        ranked = sorted(estimate.layers, key=lambda layer: layer.energy_j, reverse=True)
        shown = ranked if verbose else [layer for layer in ranked[:TOP_LAYERS] if layer.energy_j > 0]
        table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 2))
        for column, justify in (("Layer", "left"), ("Type", "left"), ("Output shape", "left")):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for column in ("MACs", "Energy", "Share", "Predictor"):
            table.add_column(column, justify="right" if column != "Predictor" else "left")
        for layer in shown:
            node = nodes[layer.name]
            table.add_row(
                escape(layer.name),
                escape(layer.type),
                ", ".join(shape_text(s) for s in node.output_shapes),
                format_count(node.macs * graph.batch_size),
                format_energy(layer.energy_j),
                f"{layer.energy_j / total:.1%}",
                layer.predictor + (" [yellow](extrapolated)[/]" if layer.extrapolated else ""),
            )
        console.print(table)
        if not verbose and len(ranked) > len(shown):
            console.print(f"  [dim]… {len(ranked) - len(shown)} more layers (--verbose shows all)[/]")
        note = layer_sum_note(result)
        if note:
            console.print(f"  [dim]{escape(note)}[/]")
        _greener(result, console)
        for code, severity, message in _condensed(violations, verbose):
            console.print(f"  [{_STYLE.get(severity, '')}]{code}[/] {escape(message)}")
        console.print()


def _greener(result, console) -> None:  # result: ModelResult
    from rich.markup import escape
    from rich.table import Table

    rows = greener_rows(result)
    if not rows:
        return
    table = Table(title="  on each profile", title_justify="left", show_edge=False, box=None, padding=(0, 2))
    for column in GREENER_HEAD:
        table.add_column(column)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    console.print(table)


def _condensed(violations: list[Violation], verbose: bool) -> list[tuple[str, str, str]]:
    """Each violation on its own line; without --verbose, a layer rule that fires on more than
    GROUP_OVER layers of one model gets one line naming the first few."""
    lines: list[tuple[str, str, str]] = []
    by_code: dict[str, list[Violation]] = {}
    for violation in violations:
        by_code.setdefault(violation.code, []).append(violation)
    for code, group in by_code.items():
        layered = [v for v in group if v.layer is not None]
        if verbose or len(layered) <= GROUP_OVER:
            lines += [(v.code, v.severity, v.message) for v in group]
            continue
        lines += [(v.code, v.severity, v.message) for v in group if v.layer is None]
        names = ", ".join(v.layer or "" for v in layered[:GROUP_OVER])
        first = layered[0].message.removeprefix(f"{layered[0].layer} ")
        lines.append(
            (
                code,
                layered[0].severity,
                f"{len(layered)} layers ({names}, …): e.g. {layered[0].layer} {first}; --verbose lists each",
            )
        )
    return lines


def _change(result) -> str:  # result: ModelResult
    from rich.markup import escape

    return "  change: " + change_phrase(result, lambda text: f"[bold]{text}[/]", escape)


def summary(run: CheckRun, console) -> None:
    by_code = run.by_code
    if run.statistics and by_code:
        for code in sorted(by_code):
            console.print(f"{by_code[code]:>6}  {code}  {RULES_BY_CODE[code].name}")
    console.print(run.totals())
