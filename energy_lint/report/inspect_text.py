"""`energy-lint inspect` as text: one rich table per model, like keras' model.summary()."""

from __future__ import annotations

from collections.abc import Iterable

from ..graph import ModelGraph
from ..graph.layers.base import shape_text
from ..units import format_count


def render(graphs: Iterable[ModelGraph], console) -> None:  # console: rich.console.Console
    from rich.markup import escape
    from rich.table import Table

    # Names come from the file: "[/x]" in one must print as text, not fail as rich markup.
    for graph in graphs:
        title = f"{escape(graph.path)}  [dim]{escape(graph.name)} · {graph.format}"
        if graph.keras_version:
            title += f" · Keras {escape(graph.keras_version)}"
        table = Table(title=title + "[/]", title_justify="left", expand=False)
        table.add_column("Layer")
        table.add_column("Type")
        table.add_column("Output shape")
        table.add_column("Params", justify="right")
        table.add_column("MACs", justify="right")
        for layer in graph.layers:
            shapes = ", ".join(shape_text(s) for s in layer.output_shapes)
            kind = escape(layer.type) if layer.known else f"[yellow]{escape(layer.type)} (unknown)[/]"
            table.add_row(escape(layer.name), kind, shapes, f"{layer.params:,}", _macs(graph, layer))
        console.print(table)
        inputs = ", ".join(shape_text(s) for s in graph.input_shapes)
        console.print(
            f"  params {graph.params:,} · MACs per sample {_macs(graph, graph)} · "
            f"batch {graph.batch_size} · inputs {inputs} · {len(graph.layers)} layer calls"
        )
        if graph.free_dims:
            console.print(
                f"  [yellow]free: {escape(', '.join(graph.free_dims))}; MACs are per unit of it "
                "(a·n + b) or unknown; --input-shape fixes it[/]"
            )
        unknown = graph.unknown_layers
        if unknown:
            # Layers without a rule are the cause; those whose shapes they left unknown follow.
            caused = [layer for layer in unknown if (layer.note or "").startswith("shape unknown")]
            own = [layer for layer in unknown if layer not in caused]
            names = ", ".join(escape(f"{layer.name} ({layer.type})") for layer in own[:5])
            more = f" and {len(own) - 5} more" if len(own) > 5 else ""
            after = f"; {len(caused)} more with shapes unknown because of them" if caused else ""
            console.print(
                f"  [yellow]{len(own)} layer(s) without a rule, not counted: {names}{more}{after}; "
                "MACs, and params where the file stores no weights, are lower bounds[/]"
            )
        for note in graph.notes:
            console.print(f"  note: {escape(note)}")
        console.print()


def _macs(graph: ModelGraph, item) -> str:  # item: a LayerNode or the ModelGraph
    """MACs, or for a graph with a free dimension "a/unit + b" (or "unknown")."""
    if not graph.free_dims:
        return format_count(item.macs)
    if item.macs_per_unit is None:
        return "unknown"
    offset = item.macs_offset or 0
    if not item.macs_per_unit:
        return format_count(offset)
    sign = "-" if offset < 0 else "+"
    text = f"{format_count(item.macs_per_unit)}·n"
    return text + (f" {sign} {format_count(abs(offset))}" if offset else "")
