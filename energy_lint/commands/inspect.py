"""`energy-lint inspect`: keras' model.summary() without keras, for any number of files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..cli_options import model_shape_options
from ..discovery import discover
from ..errors import ModelReadError
from ..graph import ModelGraph, read_model

EXIT_OK, EXIT_ERROR = 0, 2


def read_all(
    paths: tuple[Path, ...], batch_size: int, input_shapes: tuple[tuple[int, ...], ...]
) -> tuple[list[ModelGraph], list[ModelReadError]]:
    """Read every model under `paths`; a bad file becomes an error and the rest go on."""
    files, errors = discover(paths)
    graphs = []
    for path in files:
        try:
            graphs.append(read_model(path, batch_size, input_shapes))
        except ModelReadError as error:
            errors.append(error)
    return graphs, errors


@click.command("inspect")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a table per model; json: one document on stdout (contract 6).",
)
@model_shape_options
def inspect(
    paths: tuple[Path, ...],
    output_format: str,
    batch_size: int,
    input_shapes: tuple[tuple[int, ...], ...],
) -> None:
    """Show the layers, shapes, params and MACs of model files (.keras, .h5, .json) or
    directories of them, without importing Keras. Exit 2 if any input could not be read."""
    graphs, errors = read_all(paths, batch_size, input_shapes)
    for error in errors:
        click.echo(f"error: {error}", err=True)
    if output_format == "json":
        from ..report import inspect_json

        click.echo(inspect_json.render(graphs, errors))
    else:
        from rich.console import Console

        from ..report import inspect_text

        # Piped output keeps whole layer names rather than wrapping them at 80 columns.
        width = None if sys.stdout.isatty() else 200
        inspect_text.render(graphs, Console(highlight=False, width=width))
    sys.exit(EXIT_ERROR if errors else EXIT_OK)
