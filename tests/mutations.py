"""A seeded mutator of real model files, shared by the fuzz test (tests/cli/test_fuzz.py) and the
mutation benchmark (benchmarks/fuzz.py): the same seed gives the same damaged file.

Two kinds of damage: a value somewhere in the model config replaced by a hostile one (a wrong
type, zero, a huge or non-finite number, an empty list...), a key or a list entry deleted or
duplicated, all written back in the file's own format (the config of a .keras zip, the
model_config attribute of an .h5); or the file's bytes flipped, overwritten or cut, which reaches
the zip and HDF5 parsers themselves. Standard library and h5py only: no Keras."""

from __future__ import annotations

import io
import json
import math
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOSTILE_VALUES: list[Any] = [
    0,
    -1,
    1,
    2,
    3,
    10**9,
    2**31,
    10**30,
    10**400,
    1e308,
    math.nan,
    math.inf,
    -math.inf,
    2.5,
    True,
    False,
    None,
    "",
    "x",
    "same",
    "valid",
    "channels_first",
    [],
    [0],
    [None],
    [-1],
    [1, 2, 3, 4, 5],
    [[1]],
    {},
    {"class_name": "Dense", "config": {}},
    {"class_name": "__keras_tensor__", "config": {"keras_history": ["x", 0, 0]}},
]
STRUCTURED_SHARE = 0.8
"""Most mutations damage the config, which reaches every layer's code; the rest damage bytes."""


@dataclass(frozen=True)
class Base:
    """One real model file: its bytes, its format, and its model config."""

    name: str
    format: str
    data: bytes
    config: Any


def load_base(path: Path) -> Base:
    """A model file saved by Keras, with its config read the plain way (no energy-lint)."""
    data = path.read_bytes()
    fmt = path.suffix.lstrip(".")
    if fmt == "json":
        config = json.loads(data)
    elif fmt == "keras":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            config = json.loads(archive.read("config.json"))
    else:
        import h5py

        with h5py.File(io.BytesIO(data), "r") as handle:
            raw = handle.attrs["model_config"]
        config = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    return Base(path.name, fmt, data, config)


def _places(value: Any, found: list[tuple[Any, Any]]) -> None:
    """Every (container, key-or-index) in a JSON tree."""
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((value, key))
            _places(item, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((value, index))
            _places(item, found)


def _layer_places(value: Any, found: list[tuple[Any, Any]], edges: list[tuple[Any, Any]]) -> None:
    """The values a layer's code reads: each key of every layer's own config (not the
    initializers and dtype policies inside it), and every entry of the edges between layers."""
    if isinstance(value, dict):
        if isinstance(value.get("class_name"), str) and isinstance(value.get("config"), dict):
            found.extend((value["config"], key) for key in value["config"])
        for key, item in value.items():
            if key in ("inbound_nodes", "input_layers", "output_layers", "keras_history", "shape"):
                _places(item, edges)
                edges.append((value, key))
            _layer_places(item, found, edges)
    elif isinstance(value, list):
        for item in value:
            _layer_places(item, found, edges)


def mutate_config(config: Any, rng: random.Random) -> tuple[Any, str]:
    """A deep copy of `config` with 1-3 damages, most of them where a layer's code reads (its
    config's own keys, its edges), the rest anywhere; returns it and what was done."""
    config = json.loads(json.dumps(config))
    done = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        places: list[tuple[Any, Any]] = []
        layer_places: list[tuple[Any, Any]] = []
        edges: list[tuple[Any, Any]] = []
        where = rng.random()
        if where < 0.45:
            _layer_places(config, layer_places, edges)
            places = layer_places
        elif where < 0.75:
            _layer_places(config, layer_places, edges)
            places = edges
        if not places:
            _places(config, places)
        if not places:
            break
        container, key = rng.choice(places)
        action = rng.random()
        if action < 0.7:
            value = rng.choice(HOSTILE_VALUES)
            container[key] = json.loads(json.dumps(value))
            done.append(f"{key!r}={value!r:.40}")
        elif action < 0.85:
            del container[key]
            done.append(f"del {key!r}")
        elif isinstance(container, list):
            container.insert(key, json.loads(json.dumps(container[key])))
            done.append(f"dup [{key}]")
        else:
            container[key] = json.loads(json.dumps(rng.choice(list(container.values()))))
            done.append(f"copy into {key!r}")
    return config, "; ".join(done)


def mutate_bytes(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """`data` with a few bytes flipped or overwritten, a chunk repeated, or cut short."""
    buffer = bytearray(data)
    action = rng.random()
    if action < 0.1:
        cut = rng.randrange(len(buffer))
        return bytes(buffer[:cut]), f"truncated at {cut}"
    if action < 0.2:
        start = rng.randrange(len(buffer))
        chunk = buffer[start : start + rng.randrange(1, 256)]
        at = rng.randrange(len(buffer))
        return bytes(buffer[:at] + chunk + buffer[at:]), f"{len(chunk)} bytes repeated at {at}"
    heap = data.find(b"GCOL")  # HDF5's global heap, which holds variable-length strings
    if heap >= 0 and action < 0.6:
        start, end = heap, min(len(buffer), heap + 512)
        where = "in the global heap"
    else:
        start, end = 0, len(buffer)
        where = ""
    count = rng.choice((1, 2, 4, 8, 32))
    for _ in range(count):
        at = rng.randrange(start, end)
        buffer[at] = rng.choice(
            (0, 0xFF, 0x7F, 0x80, rng.randrange(256), buffer[at] ^ (1 << rng.randrange(8)))
        )
    return bytes(buffer), f"{count} bytes changed {where}".strip()


def write_config(base: Base, config: Any, path: Path) -> None:
    """`config` written where `base` keeps it, in `base`'s format, at `path`."""
    text = json.dumps(config)
    if base.format == "json":
        path.write_text(text)
    elif base.format == "keras":
        with zipfile.ZipFile(io.BytesIO(base.data)) as source, zipfile.ZipFile(path, "w") as target:
            for info in source.infolist():
                content = text.encode() if info.filename == "config.json" else source.read(info)
                target.writestr(info, content)
    else:
        import h5py

        path.write_bytes(base.data)
        with h5py.File(path, "r+") as handle:
            handle.attrs["model_config"] = text.encode()


def mutant(base: Base, seed: int, path: Path) -> str:
    """Write the mutation `seed` of `base` to `path`; returns what was done, for the report."""
    rng = random.Random(f"{base.name}:{seed}")
    if rng.random() < STRUCTURED_SHARE:
        config, done = mutate_config(base.config, rng)
        write_config(base, config, path)
        return f"config: {done}"
    data, done = mutate_bytes(base.data, rng)
    path.write_bytes(data)
    return f"bytes: {done}"
