"""The measurements CSV (docs/contracts.md, 3. Measurements CSV): one row per measured configuration, appended
and flushed to disk row by row, so that a kill loses at most the configuration in flight and a
rerun resumes after the last complete row."""

from __future__ import annotations

import ast
import contextlib
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
    "pass",
    "optimizer",
    "context",
    "model",
    "macs",
    "params",
)
FORWARD, TRAIN = "forward", "train"
"""What a row measured (the "pass" column, added in the training issue): one forward pass of
the batch, or one training step (forward, backward and optimizer update) of it. Files written
before the column existed, and files from elsewhere that lack it, hold forward passes."""
IN_MODEL = "in-model"
"""The "context" column (added in issue 18): "in-model" for a layer timed inside its running
whole model (calibration/in_context.py); empty, in older files and for single-layer cases, for
a layer measured alone. The "model" column names the architecture a row came from (its file
stem, e.g. "rand-cnn-0042" or "resnet50"), so that rows group by model. "macs" (per sample) and
"params" (added in the ONNX issue) carry the reader's own counts for a row whose config the Keras
layer specs cannot read, an ONNX node priced as a Keras class; empty otherwise."""
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


def pass_of(row: Mapping[str, Any]) -> str:
    return str(row.get("pass") or FORWARD)


def run_of(row: Mapping[str, Any]) -> str:
    """The run a layer row was timed in, as its case key ends after "|": a transformer's prompt
    ("tokens=128") or decode step ("decode@1024"); empty for a model file's one pass."""
    return str(row.get("case_key") or "").partition("|")[2]


def _header(path: Path) -> list[str]:
    with path.open(newline="") as handle:
        return next(csv.reader(handle), [])


def _add_new_columns(path: Path) -> None:
    """Rewrite a file written before a column was added with today's header (old rows get the
    new columns empty), through a temporary file and a rename: a kill leaves either file whole."""
    header = _header(path)
    if set(COLUMNS) <= set(header):
        return
    rows = read_rows([path])
    staging = path.with_name(f".{path.name}.columns-{os.getpid()}")
    with staging.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(dict.fromkeys([*COLUMNS, *header])))
        writer.writeheader()
        for row in rows:
            writer.writerow(_encode(row, writer.fieldnames))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(staging, path)


def _encode(row: Mapping[str, Any], columns: Iterable[str]) -> dict[str, Any]:
    def encoded(key: str) -> Any:
        value = row.get(key, "")
        return json.dumps(value) if key in JSON_COLUMNS and value not in (None, "") else value

    return {key: encoded(key) for key in columns}


def append_row(path: Path, row: Mapping[str, Any]) -> None:
    """Append one row and make it durable before the next configuration starts."""
    new = not path.exists() or path.stat().st_size == 0
    if not new:
        _add_new_columns(path)
    columns = COLUMNS if new else _header(path)
    encoded = _encode(row, columns)
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        if new:
            writer.writeheader()
        writer.writerow(encoded)
        handle.flush()
        os.fsync(handle.fileno())


def read_rows(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Rows of one or more measurement files, JSON columns decoded. Files from elsewhere may
    lack every column but the contract's first five, start with a byte-order mark (a
    spreadsheet's export), separate fields by ';' or tabs, and write configs and shapes as
    Python literals (`str(layer.get_config())`, `(1, 224, 224, 3)`)."""
    rows = []
    for path in paths:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = handle.readline()
            handle.seek(0)
            for row in csv.DictReader(handle, delimiter=_delimiter(header)):
                for key in JSON_COLUMNS:
                    if row.get(key):
                        # Undecodable text stays text: the fitter counts the row as unreadable.
                        row[key] = _decoded(row[key])
                rows.append(row)
    return rows


def _delimiter(header: str) -> str:
    """',' unless the header line has none and is split by ';' or tabs."""
    if "," in header:
        return ","
    return max(";\t", key=header.count) if any(c in header for c in ";\t") else ","


def _decoded(text: str) -> Any:
    """JSON, else a Python literal (parsed by ast.literal_eval, which evaluates no code: names,
    calls and attributes are refused), tuples as lists; the text itself if neither."""
    with contextlib.suppress(ValueError):
        return json.loads(text)
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    return _lists(value) if isinstance(value, (dict, list, tuple)) else text


def _lists(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    return value


def done_keys(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {row["case_key"] for row in read_rows([path]) if row.get("case_key")}
