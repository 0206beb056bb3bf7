"""Options shared by the commands that read models: --batch-size and --input-shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..graph.layers.base import MAX_DIM


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


def measurement_options(min_seconds: float) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add --device, --min-seconds and --repeats to a command that measures with CodeCarbon."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option(
            "--repeats",
            type=click.IntRange(1, 20),
            default=3,
            show_default=True,
            help="Measured runs per configuration; their spread is reported.",
        )(command)
        command = click.option(
            "--min-seconds",
            type=click.FloatRange(0.05),
            default=min_seconds,
            show_default=True,
            help="Run forward passes back to back for at least this long per repeat.",
        )(command)
        return click.option("--device", default="cpu", show_default=True, help="cpu or gpu:N")(command)

    return decorate
