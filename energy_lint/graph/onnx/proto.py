"""ONNX messages as plain dataclasses, decoded from the wire format; weights left where they are.

`prune` copies a ModelProto without the data of its large tensors (dims and type kept), so that
shape inference and decoding only ever see the graph's structure; tensors stored as external
data (models over 2 GB) keep only their dims too, and their files are never opened.
Field numbers are those of onnx/onnx.proto."""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .wire import (
    FIXED32,
    LENGTH,
    VARINT,
    WireError,
    encode_field,
    fields,
    file_fields,
    packed_varints,
    signed,
    text,
)

MAX_KEPT_DATA = 4096
"""Tensor data kept by `prune`, in bytes: shape constants and scalars (what shape inference
and the reader read values of) are far smaller; weights are far larger."""

# TensorProto.DataType
DTYPES = {
    1: "float32",
    2: "uint8",
    3: "int8",
    4: "uint16",
    5: "int16",
    6: "int32",
    7: "int64",
    8: "string",
    9: "bool",
    10: "float16",
    11: "float64",
    12: "uint32",
    13: "uint64",
    14: "complex64",
    15: "complex128",
    16: "bfloat16",
    17: "float8e4m3fn",
    18: "float8e4m3fnuz",
    19: "float8e5m2",
    20: "float8e5m2fnuz",
    21: "uint4",
    22: "int4",
    23: "float4e2m1",
    24: "float8e8m0",
    25: "uint2",
    26: "int2",
}
_RAW_FORMATS = {1: "f", 6: "i", 7: "q", 11: "d", 2: "B", 3: "b", 9: "?"}


@dataclass
class Tensor:
    name: str
    dims: tuple[int, ...]
    dtype: str
    values: tuple[float, ...] | None = None
    """The values when the file holds them and they are few (shape constants, scalars)."""


@dataclass
class ValueInfo:
    name: str
    dtype: str | None
    dims: tuple[int | str | None, ...] | None
    """None: rank unknown; a str: a symbolic dimension (dim_param); None inside: unknown."""


@dataclass
class Node:
    name: str
    op_type: str
    domain: str
    inputs: list[str]
    outputs: list[str]
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Graph:
    name: str
    nodes: list[Node]
    initializers: dict[str, Tensor]
    inputs: list[ValueInfo]
    outputs: list[ValueInfo]
    value_info: dict[str, ValueInfo]


@dataclass
class Model:
    ir_version: int
    opsets: dict[str, int]
    producer: str
    graph: Graph


# -- pruning ---------------------------------------------------------------------------------

_TENSOR_DATA = {4, 5, 6, 7, 9, 10, 11}
"""TensorProto's float/int32/string/int64/raw/double/uint64 data fields."""


def _prune_tensor(data: memoryview, start: int, end: int) -> bytes:
    out = bytearray()
    for number, kind, a, b, tag in fields(data, start, end):
        if number in _TENSOR_DATA and kind == LENGTH and b - a > MAX_KEPT_DATA:
            continue
        out += data[tag:b]
    return bytes(out)


def _prune_attribute(data: memoryview, start: int, end: int) -> bytes:
    out = bytearray()
    for number, kind, a, b, tag in fields(data, start, end):
        if kind == LENGTH and number in (5, 10):  # t, tensors
            out += encode_field(number, _prune_tensor(data, a, b))
        elif kind == LENGTH and number in (6, 11):  # g, graphs
            out += encode_field(number, prune_graph(data, a, b))
        else:
            out += data[tag:b]
    return bytes(out)


def _prune_node(data: memoryview, start: int, end: int) -> bytes:
    out = bytearray()
    for number, kind, a, b, tag in fields(data, start, end):
        if number == 5 and kind == LENGTH:
            out += encode_field(5, _prune_attribute(data, a, b))
        else:
            out += data[tag:b]
    return bytes(out)


def _prune_sparse(data: memoryview, start: int, end: int) -> bytes:
    out = bytearray()
    for number, kind, a, b, tag in fields(data, start, end):
        if number in (1, 2) and kind == LENGTH:
            out += encode_field(number, _prune_tensor(data, a, b))
        else:
            out += data[tag:b]
    return bytes(out)


def prune_graph(data: memoryview, start: int, end: int) -> bytes:
    out = bytearray()
    for number, kind, a, b, tag in fields(data, start, end):
        if number == 5 and kind == LENGTH:
            out += encode_field(5, _prune_tensor(data, a, b))
        elif number == 1 and kind == LENGTH:
            out += encode_field(1, _prune_node(data, a, b))
        elif number == 15 and kind == LENGTH:
            out += encode_field(15, _prune_sparse(data, a, b))
        elif number == 13:
            continue  # value_info: stale annotations (symbolic dims) would outvote inference
        else:
            out += data[tag:b]
    return bytes(out)


def prune(data: memoryview) -> bytes:
    """The ModelProto in `data` without its large tensor data."""
    out = bytearray()
    for number, kind, a, b, tag in fields(data):
        if number == 7 and kind == LENGTH:
            out += encode_field(7, prune_graph(data, a, b))
        elif number == 25:
            continue  # model-local functions: shape inference inlines none we price
        else:
            out += data[tag:b]
    return bytes(out)


_WHOLE_READ = 1 << 20
"""A graph field (a node, an input) or an initializer up to this size is read whole and pruned
in memory; larger ones are walked field by field."""


def prune_file(fd: int, size: int) -> bytes:
    """`prune` of an open file, reading only the headers of large fields."""
    import os

    def read(start: int, end: int) -> memoryview:
        data = os.pread(fd, end - start, start)
        if len(data) != end - start:
            raise WireError("the file ends inside a field")
        return memoryview(data)

    def whole(pruner, start: int, end: int) -> bytes:
        return pruner(read(start, end), 0, end - start)

    def tensor(start: int, end: int) -> bytes:
        if end - start <= _WHOLE_READ:
            return whole(_prune_tensor, start, end)
        out = bytearray()
        for number, kind, _, b, tag in file_fields(fd, start, end):
            if not (number in _TENSOR_DATA and kind == LENGTH and b - tag > MAX_KEPT_DATA):
                out += read(tag, b)
        return bytes(out)

    out = bytearray()
    for number, kind, a, b, tag in file_fields(fd, 0, size):
        if number != 7 or kind != LENGTH:
            if number != 25:
                out += read(tag, b)
            continue
        graph = bytearray()
        for n, k, c, d, t in file_fields(fd, a, b):
            if n == 5 and k == LENGTH:
                graph += encode_field(5, tensor(c, d))
            elif n == 13:
                continue
            elif k == LENGTH and n in (1, 15):
                pruner = _prune_node if n == 1 else _prune_sparse
                graph += encode_field(n, whole(pruner, c, d))
            else:
                graph += read(t, d)
        out += encode_field(7, bytes(graph))
    return bytes(out)


def replace_graph_inputs(model: bytes, inputs: dict[str, bytes]) -> bytes:
    """The model with the named graph inputs' ValueInfoProtos replaced (encoded by the caller)."""
    data = memoryview(model)
    out = bytearray()
    for number, kind, a, b, tag in fields(data):
        if number != 7 or kind != LENGTH:
            out += data[tag:b]
            continue
        graph = bytearray()
        for n, k, c, d, t in fields(data, a, b):
            if n == 11 and k == LENGTH:
                name = _value_info(data, c, d).name
                if name in inputs:
                    graph += encode_field(11, inputs[name])
                    continue
            graph += data[t:d]
        out += encode_field(7, bytes(graph))
    return bytes(out)


def add_value_info(model: bytes, infos: list[bytes]) -> bytes:
    """The model with these ValueInfoProtos (encoded by the caller) added to its main graph."""
    data = memoryview(model)
    out = bytearray()
    for number, kind, a, b, tag in fields(data):
        if number == 7 and kind == LENGTH:
            out += encode_field(7, bytes(data[a:b]) + b"".join(encode_field(13, info) for info in infos))
        else:
            out += data[tag:b]
    return bytes(out)


def encode_value_info(name: str, elem_type: int, dims: tuple[int, ...]) -> bytes:
    from .wire import encode_int

    shape = b"".join(encode_field(1, encode_int(1, d)) for d in dims)
    tensor_type = encode_int(1, elem_type) + encode_field(2, shape)
    return encode_field(1, name.encode()) + encode_field(2, encode_field(1, tensor_type))


# -- decoding --------------------------------------------------------------------------------


def _tensor(data: memoryview, start: int, end: int) -> Tensor:
    name, dims, dtype = "", [], 1
    raw: bytes | None = None
    listed: list[float] = []
    for number, kind, a, b, _ in fields(data, start, end):
        if number == 1:
            dims += packed_varints(data, a, b) if kind == LENGTH else [signed(a)]
        elif number == 2 and kind == VARINT:
            dtype = a
        elif number == 8 and kind == LENGTH:
            name = text(data, a, b)
        elif number == 9 and kind == LENGTH:
            raw = bytes(data[a:b])
        elif number in (5, 7) and kind == LENGTH:
            listed += packed_varints(data, a, b)
        elif number in (5, 7) and kind == VARINT:
            listed.append(signed(a))
        elif number == 4 and kind == LENGTH:
            listed += struct.unpack(f"<{(b - a) // 4}f", data[a:b])
        elif number == 4 and kind == FIXED32:
            listed.append(struct.unpack("<f", struct.pack("<I", a))[0])
    # A tensor of no elements (a Reshape to a scalar's target, shape []) holds no data, and is known.
    values: tuple[float, ...] | None = tuple(listed) if listed or 0 in dims else None
    fmt = _RAW_FORMATS.get(dtype)
    if raw is not None and fmt is not None:
        size = struct.calcsize(fmt)
        if len(raw) % size == 0:
            values = struct.unpack(f"<{len(raw) // size}{fmt}", raw)
    return Tensor(name, tuple(dims), DTYPES.get(dtype, f"type {dtype}"), values)


def _dims(data: memoryview, start: int, end: int) -> tuple[int | str | None, ...]:
    dims: list[int | str | None] = []
    for number, kind, a, b, _ in fields(data, start, end):
        if number != 1 or kind != LENGTH:
            continue
        dim: int | str | None = None
        for n, k, c, d, _ in fields(data, a, b):
            if n == 1 and k == VARINT:
                dim = signed(c) if signed(c) >= 0 else None  # -1 in some exporters: unknown
            elif n == 2 and k == LENGTH:
                dim = text(data, c, d) or None
        dims.append(dim)
    return tuple(dims)


def _value_info(data: memoryview, start: int, end: int) -> ValueInfo:
    name, dtype, dims = "", None, None
    for number, kind, a, b, _ in fields(data, start, end):
        if number == 1 and kind == LENGTH:
            name = text(data, a, b)
        elif number == 2 and kind == LENGTH:
            for n, k, c, d, _ in fields(data, a, b):
                if n != 1 or k != LENGTH:  # only tensor types have shapes we price
                    continue
                for m, j, e, f, _ in fields(data, c, d):
                    if m == 1 and j == VARINT:
                        dtype = DTYPES.get(e, f"type {e}")
                    elif m == 2 and j == LENGTH:
                        dims = _dims(data, e, f)
    return ValueInfo(name, dtype, dims)


def _attribute(data: memoryview, start: int, end: int) -> tuple[str, Any]:
    name, value = "", None
    lists: list[Any] = []
    for number, kind, a, b, _ in fields(data, start, end):
        if number == 1 and kind == LENGTH:
            name = text(data, a, b)
        elif number == 2 and kind == FIXED32:
            value = struct.unpack("<f", struct.pack("<I", a))[0]
        elif number == 3 and kind == VARINT:
            value = signed(a)
        elif number == 4 and kind == LENGTH:
            value = text(data, a, b)
        elif number == 5 and kind == LENGTH:
            value = _tensor(data, a, b)
        elif number == 6 and kind == LENGTH:
            value = decode_graph(data, a, b)
        elif number == 7:
            lists += (
                list(struct.unpack(f"<{(b - a) // 4}f", data[a:b]))
                if kind == LENGTH
                else [struct.unpack("<f", struct.pack("<I", a))[0]]
            )
        elif number == 8:
            lists += packed_varints(data, a, b) if kind == LENGTH else [signed(a)]
        elif number == 9 and kind == LENGTH:
            lists.append(text(data, a, b))
        elif number == 10 and kind == LENGTH:
            lists.append(_tensor(data, a, b))
        elif number == 11 and kind == LENGTH:
            lists.append(decode_graph(data, a, b))
    return name, value if value is not None else lists


def _node(data: memoryview, start: int, end: int) -> Node:
    node = Node("", "", "", [], [])
    for number, kind, a, b, _ in fields(data, start, end):
        if kind != LENGTH:
            continue
        if number == 1:
            node.inputs.append(text(data, a, b))
        elif number == 2:
            node.outputs.append(text(data, a, b))
        elif number == 3:
            node.name = text(data, a, b)
        elif number == 4:
            node.op_type = text(data, a, b)
        elif number == 7:
            node.domain = text(data, a, b)
        elif number == 5:
            key, value = _attribute(data, a, b)
            node.attributes[key] = value
    return node


Memo = dict[bytes, Any]
"""Nodes and value infos already decoded, by their encoded bytes: the reader decodes a graph
again after each round of folding and shape inference, in which most of them did not change."""


Decoder = Callable[[memoryview, int, int], Any]


def _memoized(memo: Memo | None, decode: Decoder, data: memoryview, a: int, b: int) -> Any:
    if memo is None:
        return decode(data, a, b)
    key = bytes(data[a:b])
    found = memo.get(key)
    if found is None:
        found = memo[key] = decode(data, a, b)
    return found


def decode_graph(data: memoryview, start: int, end: int, memo: Memo | None = None) -> Graph:
    graph = Graph("", [], {}, [], [], {})
    for number, kind, a, b, _ in fields(data, start, end):
        if kind != LENGTH:
            continue
        if number == 1:
            graph.nodes.append(_memoized(memo, _node, data, a, b))
        elif number == 2:
            graph.name = text(data, a, b)
        elif number == 5:
            tensor = _tensor(data, a, b)
            graph.initializers[tensor.name] = tensor
        elif number == 15:
            for n, k, c, d, _ in fields(data, a, b):
                if n == 1 and k == LENGTH:
                    tensor = _tensor(data, c, d)
                    graph.initializers[tensor.name] = tensor
        elif number == 11:
            graph.inputs.append(_value_info(data, a, b))
        elif number == 12:
            graph.outputs.append(_value_info(data, a, b))
        elif number == 13:
            info = _memoized(memo, _value_info, data, a, b)
            graph.value_info[info.name] = info
    return graph


def graph_inputs(model: bytes) -> list[ValueInfo]:
    """The main graph's inputs that are no initializer: all the reader needs before inference."""
    data = memoryview(model)
    inputs, initializers, found = [], set(), False
    for number, kind, a, b, _ in fields(data):
        if number != 7 or kind != LENGTH:
            continue
        found = True
        for n, k, c, d, _ in fields(data, a, b):
            if n == 11 and k == LENGTH:
                inputs.append(_value_info(data, c, d))
            elif n == 5 and k == LENGTH:
                for m, j, e, f, _ in fields(data, c, d):
                    if m == 8 and j == LENGTH:
                        initializers.add(text(data, e, f))
    if not found:
        raise ValueError("the ModelProto has no graph: not an ONNX model")
    return [info for info in inputs if info.name not in initializers]


def decode_model(model: bytes, memo: Memo | None = None) -> Model:
    """The model's graph and opsets; `memo` (one per model read) reuses what an earlier decode
    of the same model found."""
    data = memoryview(model)
    ir_version, opsets, producer, graph = 0, {}, "", None
    for number, kind, a, b, _ in fields(data):
        if number == 1 and kind == VARINT:
            ir_version = a
        elif number == 2 and kind == LENGTH:
            producer = text(data, a, b)
        elif number == 8 and kind == LENGTH:
            domain, version = "", 1
            for n, k, c, d, _ in fields(data, a, b):
                if n == 1 and k == LENGTH:
                    domain = text(data, c, d)
                elif n == 2 and k == VARINT:
                    version = c
            opsets[domain] = version
        elif number == 7 and kind == LENGTH:
            graph = decode_graph(data, a, b, memo)
    if graph is None:
        raise ValueError("the ModelProto has no graph: not an ONNX model")
    return Model(ir_version, opsets, producer, graph)
