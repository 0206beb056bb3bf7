"""Model files -> graphs, one at a time, so that memory stays flat however many files there are;
a bad file becomes its one error and the rest go on. Shared by `inspect` and `check`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import ModelReadError, unexpected
from ..graph import ModelGraph, read_model


def read_each(
    files: list[Path],
    errors: list[ModelReadError],
    batch_size: int,
    input_shapes: tuple[tuple[int, ...], ...] | Callable[[Path], tuple[tuple[int, ...], ...]],
    on_error: Callable[[ModelReadError], None] = lambda error: None,
    free_dims: bool = False,
) -> Iterator[ModelGraph]:
    """Yield each file's graph; a file that cannot be read is added to `errors` and passed to
    `on_error` at once (the command prints it), and the next file is read. `input_shapes` may
    be a function of the path (the configuration's per-path input-shape)."""
    for path in files:
        try:
            shapes = input_shapes(path) if callable(input_shapes) else input_shapes
            graph = read_model(path, batch_size, shapes, free_dims=free_dims)
        except ModelReadError as error:
            on_error(error)
            errors.append(error)
            continue
        except Exception as error:  # the per-file boundary: one file's bug never ends the run
            on_error(failure := unexpected(str(path), "reading it", error))
            errors.append(failure)
            continue
        yield graph
