"""Which measured layer rows come right after a layer that multiplies by weights, in the order
their run wrote them (free rows skipped): the context `check` reads off a graph's layer order
(features.AFTER_MATMUL), here read off a campaign's rows, so that both split the fused share
alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..estimation.families import FREE, MATMUL_FAMILIES, family_of
from .model_traffic import run_key


def after_matmul_flags(rows: Sequence[dict[str, Any]]) -> list[bool]:
    """Per row, whether the previous priced row of its run is of a MATMUL_FAMILIES family; False
    for a layer measured alone (no run) and for a run's first row."""
    previous: dict[tuple[str, str, str, str], str] = {}
    flags = []
    for row in rows:
        key = run_key(row)
        flags.append(key is not None and previous.get(key) in MATMUL_FAMILIES)
        family = family_of(str(row.get("layer_class") or ""))
        if key is not None and row.get("layer_class") != "Model" and family != FREE:
            previous[key] = family
    return flags
