"""The measurements CSV (contract 3 of DESIGN.md): one row per measured configuration, appended
and flushed to disk row by row, so that a kill loses at most the configuration in flight and a
rerun resumes after the last complete row."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

COLUMNS = (
    "layer_class",
    "layer_config",
    "input_shape",
    "output_shape",
    "energy_j",
    "duration_s",
    "n_passes",
    "repeats",
    "energy_spread",
    "batch_size",
    "family",
    "source",
    "device",
    "backend",
    "keras_version",
    "tracker",
    "power_source",
    "gpu_energy_j",
    "cpu_energy_j",
    "ram_energy_j",
    "idle_power_w",
    "measured_at",
    "case_key",
)
JSON_COLUMNS = ("layer_config", "input_shape", "output_shape", "power_source")


def repair_tail(path: Path) -> None:
    """Drop a partial last line left by a kill in the middle of a write: it was the row in
    flight, never a complete measurement."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb+") as handle:
        data = handle.read()
        if data.endswith(b"\n"):
            return
        handle.truncate(data.rfind(b"\n") + 1)


def append_row(path: Path, row: Mapping[str, Any]) -> None:
    """Append one row and make it durable before the next configuration starts."""
    new = not path.exists() or path.stat().st_size == 0
    encoded = {
        key: json.dumps(row[key]) if key in JSON_COLUMNS and row.get(key) is not None else row.get(key, "")
        for key in COLUMNS
    }
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        if new:
            writer.writeheader()
        writer.writerow(encoded)
        handle.flush()
        os.fsync(handle.fileno())


def read_rows(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Rows of one or more measurement files, JSON columns decoded. Files from elsewhere may
    lack every column but the contract's first five."""
    rows = []
    for path in paths:
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                for key in JSON_COLUMNS:
                    if row.get(key):
                        row[key] = json.loads(row[key])
                rows.append(row)
    return rows


def done_keys(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {row["case_key"] for row in read_rows([path]) if row.get("case_key")}
