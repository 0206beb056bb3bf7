"""Figures several formats show in the same way: energy by layer type (the charts), the top
layers, and the change against a base."""

from __future__ import annotations

from collections.abc import Callable

from ..estimate import LayerEstimate
from ..rules import ModelResult
from ..units import format_energy


def energy_by_type(result: ModelResult, limit: int = 8) -> list[tuple[str, float]]:
    """(layer type, joules) from the most expensive down; past `limit` types the rest are one
    "other" bar, so that a chart stays readable for a model with forty kinds of layers."""
    totals: dict[str, float] = {}
    for layer in result.estimate.layers:
        totals[layer.type] = totals.get(layer.type, 0.0) + layer.energy_j
    ranked = sorted(((t, e) for t, e in totals.items() if e > 0), key=lambda item: item[1], reverse=True)
    if len(ranked) <= limit:
        return ranked
    head, tail = ranked[: limit - 1], ranked[limit - 1 :]
    return [*head, ("other", sum(energy for _, energy in tail))]


def top_layers(result: ModelResult, count: int = 5) -> list[LayerEstimate]:
    ranked = sorted(result.estimate.layers, key=lambda layer: layer.energy_j, reverse=True)
    return [layer for layer in ranked[:count] if layer.energy_j > 0]


def change_text(result: ModelResult) -> str:
    """ "+12.3%", "-4.0%", "new", "unchanged", or "" when no base was asked for."""
    base = result.base
    if base is None:
        return ""
    if base.energy_j is None:
        return "new"
    change = result.change
    if change is None or abs(change) < 0.0005:
        return "unchanged"
    return f"{change:+.1%}"


def change_phrase(
    result: ModelResult, strong: Callable[[str], str] = str, quote: Callable[[str], str] = str
) -> str:
    """ "+12.3% against origin/main (315 mJ)", "new (not in origin/main)", or "" when no base was
    asked for; `strong` and `quote` wrap the change and the base's name in a format's markup."""
    base = result.base
    if base is None:
        return ""
    if base.energy_j is None:
        return f"{strong('new')} (not in {quote(base.source)})"
    return f"{strong(change_text(result))} against {quote(base.source)} ({format_energy(base.energy_j)})"


def markdown_table(results: list[ModelResult]) -> str:
    """One row per model: energy per pass and per sample, CO2e, the change against the base
    when there is one, and the violations. The job summary of `github` and the head of
    `markdown` share it."""
    from ..units import format_mass

    compared = any(result.base is not None for result in results)
    head = ["Model", "Energy / pass", "90% interval", "Per sample", "CO2e / pass"]
    head += ["Change"] if compared else []
    rows = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for result in results:
        low, high = result.estimate.interval_j
        cells = [
            f"`{_cell(result.path)}`",
            format_energy(result.estimate.energy_j),
            f"{format_energy(low)} to {format_energy(high)}",
            format_energy(result.energy_per_sample_j),
            format_mass(result.co2e_g),
        ]
        cells += [change_text(result) or "-"] if compared else []
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def _cell(text: str) -> str:
    """Text that cannot break a markdown table cell or its code span."""
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")
