"""The fusion contexts of a campaign's in-context layer rows: each run's layers in the order the
run wrote them, read as `check` reads a graph's nodes (estimation/forward_pass.py step_of), with
the chains the runtime actually built (a row with no time of its own joined the kernel before
it). What estimation/fusion.py's FusionTable is fitted on."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..estimation.families import FREE, family_of
from ..estimation.fusion import Step, layer_kind, observed_contexts
from .measurements import IN_MODEL
from .model_traffic import runs_of


def row_step(row: dict[str, Any]) -> Step | None:
    """A layer row as a fusion step; None for a free layer and a run's Model row."""
    class_name = str(row.get("layer_class") or "")
    family = str(row.get("family") or "") or family_of(class_name)
    if class_name == "Model" or family in (FREE, "model"):
        return None
    shape, config = _decoded(row.get("input_shape")), _decoded(row.get("layer_config"))
    several = isinstance(shape, list) and bool(shape) and (shape[0] is None or isinstance(shape[0], list))
    shapes = shape if several else [shape]
    first = shapes[0] if isinstance(shapes[0], list) else []
    kind = layer_kind(class_name, config if isinstance(config, dict) else None, len(shapes))
    return Step(kind, family, len(first))


def _decoded(value: Any) -> Any:
    """A JSON column as written (a CSV read without read_rows) or decoded; None if unreadable."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return None


def run_steps(rows: Sequence[dict[str, Any]]) -> list[list[tuple[int, Step]]]:
    """Each run's (row index, step) of its in-context layer rows that run, in the rows' order."""
    runs = []
    for indices in runs_of(rows):
        steps = [(i, row_step(rows[i])) for i in indices if rows[i].get("context") == IN_MODEL]
        members = [(i, step) for i, step in steps if step is not None]
        if members:
            runs.append(members)
    return runs


def fusion_examples(rows: Sequence[dict[str, Any]]) -> list[tuple[int, list[str], bool]]:
    """(row index, context keys, fused) of every in-context layer row that runs; fused: measured
    with no time of its own."""
    examples = []
    for members in run_steps(rows):
        fused = [row_fused(rows[index]) for index, _ in members]
        keys = observed_contexts([step for _, step in members], fused)
        examples.extend((index, k, f) for (index, _), k, f in zip(members, keys, fused, strict=True))
    return examples


def row_fused(row: dict[str, Any]) -> bool:
    """Whether a layer timed in context had no time of its own (an unreadable energy: it ran)."""
    try:
        return float(row.get("energy_j") or 0.0) == 0.0
    except (TypeError, ValueError):
        return False
