"""The traffic of the model each measured layer row ran in: the bytes one pass moves, summed
over the run's rows as `check` sums them over a graph's layers, for the feature that tells a
dense layer whose weights the previous pass left in cache (features.MODEL_BYTES_MOVED)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ..estimation.features import MODEL_BYTES_MOVED, bytes_moved, row_features
from .measurements import run_of


def run_key(row: dict[str, Any]) -> tuple[str, str, str, str] | None:
    """The run a layer row was measured in: its model, batch, pass and case (a transformer's
    prompt or decode step); None for a layer measured alone (no model)."""
    if not row.get("model"):
        return None
    return (str(row["model"]), str(row.get("batch_size")), str(row.get("pass") or ""), run_of(row))


def runs_of(rows: Sequence[dict[str, Any]]) -> list[list[int]]:
    """The indices of each run's rows (run_key), in the order the rows were written; a layer
    measured alone belongs to none."""
    runs: dict[tuple[str, str, str, str], list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        key = run_key(row)
        if key is not None:
            runs[key].append(index)
    return list(runs.values())


def row_bytes(row: dict[str, Any]) -> float:
    """The bytes a row's layer moves (features.bytes_moved); 0 for a free layer and for a row
    nobody can read."""
    try:
        return bytes_moved(row_features(row))  # log_bytes: the layer's own, whatever the model's
    except Exception:  # a foreign row may break a layer spec in any way: it adds nothing
        return 0.0


def annotate(rows: Sequence[dict[str, Any]]) -> None:
    """Add to every layer row of a model the bytes one pass of its run moves (key
    features.MODEL_BYTES_MOVED), unless the row has it already; a layer measured alone gets
    none (its own bytes stand in)."""
    totals: dict[tuple[str, str, str, str], float] = defaultdict(float)
    for row in rows:
        key = run_key(row)
        if key is not None and row.get("layer_class") != "Model" and MODEL_BYTES_MOVED not in row:
            totals[key] += row_bytes(row)
    for row in rows:
        key = run_key(row)
        if key in totals and MODEL_BYTES_MOVED not in row:
            row[MODEL_BYTES_MOVED] = totals[key]
