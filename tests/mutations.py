"""A seeded mutator of real model files, shared by the fuzz test (tests/cli/test_fuzz.py) and the
mutation benchmark (benchmarks/fuzz.py): the same seed gives the same damaged file.

Two kinds of damage: a value somewhere in the model config replaced by a hostile one (a wrong
type, zero, a huge or non-finite number, an empty list...), a key or a list entry deleted or
duplicated, all written back in the file's own format (the config of a .keras zip, the
model_config attribute of an .h5); or the file's bytes flipped, overwritten or cut, which reaches
the zip and HDF5 parsers themselves. An ONNX file's graph is damaged through the onnx package
(mutate_onnx), or its bytes, which reach the protobuf walker. No Keras."""

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
    """A model file saved by Keras, with its config read the plain way (no energy-lint); an
    ONNX file keeps no config (its graph is mutated through the onnx package)."""
    data = path.read_bytes()
    fmt = path.suffix.lstrip(".")
    if fmt == "onnx":
        config = None
    elif fmt == "json":
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


ONNX_OPS = ["Conv", "MatMul", "Gemm", "LSTM", "GRU", "Reshape", "Resize", "Pad", "Slice", "If", "Loop",
            "Einsum", "Concat", "Split", "Expand", "Range", "TopK", "NoSuchOp"]  # fmt: skip


def mutate_onnx(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """The ONNX model with one structural change: an op retyped, a dimension, attribute or
    initializer made hostile, an input rewired or dropped, nodes deleted or shuffled out of
    order, an output name duplicated, the opset changed. Needs the onnx package."""
    import onnx

    model = onnx.load_model_from_string(data)
    graph, nodes = model.graph, list(model.graph.node)
    node = rng.choice(nodes)
    action = rng.randrange(11)
    if action == 0:
        node.op_type = rng.choice(ONNX_OPS)
        done = f"{node.name or 'a node'} retyped {node.op_type}"
    elif action == 1 and graph.input and graph.input[0].type.tensor_type.shape.dim:
        dim = rng.choice(graph.input[0].type.tensor_type.shape.dim)
        dim.Clear()
        dim.dim_value = rng.choice((0, 1, 7, 10**12))
        done = f"an input dimension set to {dim.dim_value}"
    elif action == 2 and graph.initializer:
        tensor = rng.choice(graph.initializer)
        if tensor.dims:
            tensor.dims[rng.randrange(len(tensor.dims))] = rng.choice((0, 3, 10**10))
        else:
            tensor.data_type = rng.choice((0, 8, 13, 99))
        done = f"initializer {tensor.name} reshaped or retyped"
    elif action == 3 and node.input:
        node.input[rng.randrange(len(node.input))] = rng.choice(("", "missing", node.output[0]))
        done = f"an input of {node.name or node.op_type} rewired"
    elif action == 4 and node.attribute:
        attribute = rng.choice(node.attribute)
        if attribute.ints:
            attribute.ints[rng.randrange(len(attribute.ints))] = rng.choice((0, -1, 10**9))
        elif attribute.type == onnx.AttributeProto.INT:
            attribute.i = rng.choice((0, -1, 10**9))
        elif attribute.type == onnx.AttributeProto.FLOAT:
            attribute.f = rng.choice((math.nan, math.inf, 0.0))
        else:
            node.attribute.remove(attribute)
        done = f"attribute {attribute.name} of {node.op_type} damaged"
    elif action == 5:
        graph.node.remove(node)
        done = f"{node.op_type} node deleted"
    elif action == 6:
        rng.shuffle(nodes)
        del graph.node[:]
        graph.node.extend(nodes)
        done = "nodes shuffled out of order"
    elif action == 7 and len(nodes) > 1:
        node.output[0] = rng.choice(nodes).output[0]
        done = "an output name duplicated"
    elif action == 8 and model.opset_import:
        model.opset_import[0].version = rng.choice((1, 7, 99, 0))
        done = f"opset {model.opset_import[0].version}"
    elif action == 9 and graph.initializer:
        graph.initializer.remove(rng.choice(graph.initializer))
        done = "an initializer deleted"
    else:
        node.domain = rng.choice(("com.microsoft", "ai.onnx.ml", "custom"))
        done = f"{node.op_type} moved to domain {node.domain}"
    return model.SerializeToString(), done


def mutant(base: Base, seed: int, path: Path) -> str:
    """Write the mutation `seed` of `base` to `path`; returns what was done, for the report."""
    rng = random.Random(f"{base.name}:{seed}")
    if base.format == "onnx" and rng.random() < STRUCTURED_SHARE:
        data, done = mutate_onnx(base.data, rng)
        path.write_bytes(data)
        return f"graph: {done}"
    if base.format != "onnx" and rng.random() < STRUCTURED_SHARE:
        config, done = mutate_config(base.config, rng)
        write_config(base, config, path)
        return f"config: {done}"
    data, done = mutate_bytes(base.data, rng)
    path.write_bytes(data)
    return f"bytes: {done}"
