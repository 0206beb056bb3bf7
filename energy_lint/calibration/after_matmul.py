"""Which measured layer rows come right after a layer that multiplies by weights, in the order
their run wrote them (free rows skipped): the context `check` reads off a graph's layer order
(features.AFTER_MATMUL), here read off a campaign's rows by the same rule
(families.after_weight_layers), so that both split the fused share alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..estimation.families import FREE, after_weight_layers, family_of
from .model_traffic import runs_of


def after_matmul_flags(rows: Sequence[dict[str, Any]]) -> list[bool]:
    """Per row, whether the previous priced row of its run is of a weight-layer family; False for
    a layer measured alone (no run) and for a run's first row. A run's Model row is no layer."""
    flags = [False] * len(rows)
    for indices in runs_of(rows):
        families = [
            FREE
            if rows[i].get("layer_class") == "Model"
            else family_of(str(rows[i].get("layer_class") or ""))
            for i in indices
        ]
        for index, flag in zip(indices, after_weight_layers(families), strict=True):
            flags[index] = flag
    return flags
