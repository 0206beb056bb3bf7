"""Options shared by the commands that read models: --batch-size and --input-shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from .graph.layers.base import MAX_DIM


def _parse_shapes(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]):
    shapes = []
    for value in values:
        try:
            dims = tuple(int(part) for part in value.replace("x", ",").split(",") if part.strip())
        except ValueError:
            raise click.BadParameter(f"{value!r} is not a list of integers like 224,224,3") from None
        if not dims or any(d < 1 or d > MAX_DIM for d in dims):
            raise click.BadParameter(f"{value!r}: every dimension must be a positive integer")
        shapes.append(dims)
    return tuple(shapes)


def model_shape_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --batch-size and --input-shape to a command that reads models."""
    command = click.option(
        "--input-shape",
        "input_shapes",
        multiple=True,
        callback=_parse_shapes,
        metavar="H,W,C",
        help="Fill the dimensions a model leaves as None (batch excluded). Repeat once per "
        "input of a multi-input model; given once, it applies to every input of that rank.",
    )(command)
    return click.option(
        "--batch-size",
        type=click.IntRange(1, MAX_DIM),
        default=1,
        show_default=True,
        help="Batch dimension of every input.",
    )(command)
