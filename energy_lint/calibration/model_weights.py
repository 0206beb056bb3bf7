"""The weights of the model each measured layer row ran in, for the feature that lets a dense
predictor tell a small model, whose weights stay in cache from pass to pass, from a large one
(features.MODEL_WEIGHTS). `check` sums a graph's params; a campaign's rows are summed per run."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ..estimation.features import MODEL_PARAMS, row_features
from .measurements import run_of


def run_key(row: dict[str, Any]) -> tuple[str, str, str, str] | None:
    """The run a layer row was measured in: its model, batch, pass and case (a transformer's
    prompt or decode step); None for a layer measured alone (no model)."""
    if not row.get("model"):
        return None
    return (str(row["model"]), str(row.get("batch_size")), str(row.get("pass") or ""), run_of(row))


def row_params(row: dict[str, Any]) -> int:
    """A row's own weights: the reader's count where the row carries one (an ONNX node), else
    what the layer's spec counts from its config; 0 for a row nobody can read."""
    try:
        if row.get("params") not in (None, ""):
            return int(float(row["params"]))
        return round(math.expm1(row_features(row).as_dict()["log_params"]))
    except Exception:  # a foreign row may break a layer spec in any way: it adds nothing
        return 0


def annotate(rows: Sequence[dict[str, Any]]) -> None:
    """Add to every layer row of a model the params of the run it was measured in (key
    features.MODEL_PARAMS), unless the row has it already."""
    totals: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for row in rows:
        key = run_key(row)
        if key is not None and row.get("layer_class") != "Model" and MODEL_PARAMS not in row:
            totals[key] += row_params(row)
    for row in rows:
        key = run_key(row)
        if key in totals and MODEL_PARAMS not in row:
            row[MODEL_PARAMS] = totals[key]
