"""`energy-lint inspect`: keras' model.summary() without keras, for any number of files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..engine.discovery import discover
from ..engine.reading import read_each
from .messages import EXIT_ERROR, EXIT_OK, print_error
from .options import model_shape_options


@click.command("inspect")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a table per model; json: one document on stdout (docs/contracts.md, 6. inspect JSON).",
)
@model_shape_options
def inspect(
    paths: tuple[Path, ...],
    output_format: str,
    batch_size: int,
    input_shapes: tuple[tuple[int, ...], ...],
) -> None:
    """Show the layers, shapes, params and MACs of model files (.keras, .h5, .json, .onnx,
    Hugging Face config.json) or directories of them, without importing Keras. Dimensions the
    model leaves free show as None, as in keras' summary(), with MACs per unit of the free
    dimension (or unknown); --input-shape fixes them. Exit 2 if any input could not be read."""
    files, errors = discover(paths)
    for error in errors:
        click.echo(f"error: {error}", err=True)
    graphs = read_each(files, errors, batch_size, input_shapes, on_error=print_error, free_dims=True)
    if output_format == "json":
        from ..report import inspect_json

        inspect_json.write(graphs, errors, sys.stdout)
    else:
        from rich.console import Console

        from ..report import inspect_text

        # Piped output keeps whole layer names rather than wrapping them at 80 columns.
        width = None if sys.stdout.isatty() else 200
        inspect_text.render(graphs, Console(highlight=False, width=width))
    sys.exit(EXIT_ERROR if errors else EXIT_OK)
