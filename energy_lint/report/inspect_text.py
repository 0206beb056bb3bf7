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
            table.add_row(escape(layer.name), kind, shapes, f"{layer.params:,}", format_count(layer.macs))
        console.print(table)
        inputs = ", ".join(shape_text(s) for s in graph.input_shapes)
        console.print(
            f"  params {graph.params:,} · MACs per sample {format_count(graph.macs)} · "
            f"batch {graph.batch_size} · inputs {inputs} · {len(graph.layers)} layer calls"
        )
        unknown = graph.unknown_layers
        if unknown:
            names = ", ".join(escape(f"{layer.name} ({layer.type})") for layer in unknown[:5])
            more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
            console.print(
                f"  [yellow]{len(unknown)} unknown layer(s), not counted: {names}{more}; "
                "params and MACs are lower bounds[/]"
            )
        for note in graph.notes:
            console.print(f"  note: {escape(note)}")
        console.print()
