"""Fill a model's symbolic input dimensions (dim_param: "batch", "height") before shape inference.

The first dimension of every input is its batch: a symbolic one takes --batch-size; the others
take --input-shape (one per input that is not a scalar, in order, or one for all inputs of its
rank), and a name given a size anywhere keeps it everywhere. A dimension still unknown is
named in the error."""

from __future__ import annotations

from collections.abc import Sequence

from ...errors import EnergyLintError
from .proto import ValueInfo


def fill_inputs(
    inputs: Sequence[ValueInfo], batch_size: int, overrides: Sequence[Sequence[int]]
) -> tuple[dict[str, tuple[int, ...]], int]:
    """Concrete shapes of the inputs whose declared shape has unknowns, and the graph's batch
    (--batch-size, or the model's own fixed first dimension when no input leaves it open)."""
    sized: dict[str, int] = {}
    filled: dict[str, tuple[int, ...]] = {}
    fixed_batch: int | None = None
    open_batch = False
    sizable = [info for info in inputs if info.dims != ()]  # scalars take no --input-shape
    for position, info in enumerate(sizable):
        if info.dims is None:
            raise EnergyLintError(f"input '{info.name}' has no declared rank: it cannot be sized")
        dims = list(info.dims)
        override = _override(overrides, position, len(sizable), len(dims))
        if isinstance(dims[0], int):
            fixed_batch = fixed_batch or dims[0]
        else:
            open_batch = True
            if isinstance(dims[0], str):
                sized.setdefault(dims[0], batch_size)
            dims[0] = batch_size
        if override is not None:
            for i, (have, given) in enumerate(zip(dims[1:], override), start=1):
                if isinstance(have, int) and have != given:
                    raise EnergyLintError(
                        f"--input-shape gives {given} for dimension {i} of input '{info.name}', "
                        f"which the model fixes at {have}"
                    )
                if isinstance(have, str):
                    sized.setdefault(have, given)
                dims[i] = given
        filled[info.name] = tuple(dims)  # type: ignore[arg-type]
    result: dict[str, tuple[int, ...]] = {}
    for info in inputs:
        if info.name not in filled:
            continue
        dims = [sized.get(d, d) if isinstance(d, str) else d for d in filled[info.name]]
        missing = [
            str(info.dims[i] or f"dimension {i}") for i, d in enumerate(dims) if not isinstance(d, int)
        ]
        if missing:
            shown = ", ".join(f"'{name}'" for name in missing)
            raise EnergyLintError(
                f"input '{info.name}' {_text(info.dims)} has symbolic dimensions {shown}: "
                f"pass --input-shape (its dimensions after the batch)"
            )
        if tuple(dims) != info.dims:
            result[info.name] = tuple(dims)  # type: ignore[arg-type]
    batch = batch_size if open_batch or fixed_batch is None else fixed_batch
    return result, batch


def _override(
    overrides: Sequence[Sequence[int]], position: int, count: int, rank: int
) -> Sequence[int] | None:
    if not overrides:
        return None
    if len(overrides) == count:
        chosen = overrides[position]
    elif len(overrides) == 1:
        chosen = overrides[0]
        if len(chosen) != rank - 1:
            return None  # one --input-shape for several inputs fills those of its rank
    else:
        raise EnergyLintError(f"{len(overrides)} --input-shape values for a model with {count} inputs")
    if len(chosen) != rank - 1:
        raise EnergyLintError(
            f"--input-shape {','.join(map(str, chosen))} has {len(chosen)} dimensions; "
            f"input {position + 1} has {rank - 1} besides the batch"
        )
    return chosen


def _text(dims: Sequence[int | str | None] | None) -> str:
    return "(" + ", ".join("?" if d is None else str(d) for d in dims or ()) + ")"
