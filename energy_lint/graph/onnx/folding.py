"""Fold the small integer computations exporters build shapes with (Shape -> Gather -> Concat ->
Reshape, with Casts between) where ONNX's own data propagation stops, so that shape inference
can go on past them: each node whose value the reader can compute from constants and inferred
shapes is replaced by a Constant of that value, under the same output name, and inference runs
again. Only integer values of rank 2 or less and at most 64 elements are computed."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from .proto import Graph, Node, Tensor
from .wire import LENGTH, encode_field, encode_int, fields

Value = tuple[tuple[int, ...], list[int]]
"""(dims, values in row-major order): dims () for a scalar."""
MAX_ELEMENTS = 64


def _scalar_or_vector(values: list[int], scalar: bool) -> Value | None:
    if len(values) > MAX_ELEMENTS:
        return None
    return ((), values) if scalar and len(values) == 1 else ((len(values),), values)


def _binary(op: Callable[[int, int], int]) -> Callable[[Node, list[Value]], Value | None]:
    def run(node: Node, args: list[Value]) -> Value | None:
        (da, a), (db, b) = args[0], args[1]
        if len(a) != len(b) and 1 not in (len(a), len(b)):
            return None
        n = max(len(a), len(b))
        out = [op(a[i % len(a)], b[i % len(b)]) for i in range(n)]
        return (da if len(da) >= len(db) else db, out)

    return run


def _slice(node: Node, args: list[Value]) -> Value | None:
    dims, data = args[0]
    if len(args) >= 3:
        start, end = args[1][1][0], args[2][1][0]
        axis = args[3][1][0] if len(args) > 3 else 0
        step = args[4][1][0] if len(args) > 4 else 1
    else:
        start, end, axis, step = node.attributes["starts"][0], node.attributes["ends"][0], 0, 1
    if axis not in (0, -len(dims)) or not dims:
        return None
    width = math.prod(dims[1:])
    rows = [data[i * width : (i + 1) * width] for i in range(dims[0])]
    # Python's slicing clamps as ONNX does; a huge negative end with a negative step means "to the start".
    end = None if step < 0 and end < -dims[0] else end
    kept = rows[start:end:step]
    return ((len(kept), *dims[1:]), [v for row in kept for v in row])


def _reshape(node: Node, args: list[Value]) -> Value | None:
    (dims, data), (_, target) = args[0], args[1]
    shape = [dims[i] if t == 0 and i < len(dims) else t for i, t in enumerate(target)]
    if shape.count(-1) == 1:
        known = math.prod(d for d in shape if d != -1)
        shape[shape.index(-1)] = len(data) // known if known else 0
    if math.prod(shape) != len(data):
        return None
    return (tuple(shape), data)


def _transpose(node: Node, args: list[Value]) -> Value | None:
    dims, data = args[0]
    if len(dims) != 2 or list(node.attributes.get("perm") or [1, 0]) != [1, 0]:
        return None if len(dims) != 1 else args[0]
    rows, cols = dims
    return ((cols, rows), [data[r * cols + c] for c in range(cols) for r in range(rows)])


def _constant_of_shape(node: Node, args: list[Value]) -> Value | None:
    value = node.attributes.get("value")
    fill = int(value.values[0]) if isinstance(value, Tensor) and value.values else 0
    if value is not None and not (isinstance(value, Tensor) and value.dtype.startswith(("int", "uint"))):
        return None
    shape = tuple(args[0][1])
    return (shape, [fill] * math.prod(shape))


def _gather(node: Node, args: list[Value]) -> Value | None:
    (_, data), (dims, index) = args[0], args[1]
    if int(node.attributes.get("axis", 0)) != 0:
        return None
    return (dims, [data[i] for i in index])


def _shape(node: Node, args: list[Value]) -> Value | None:
    return None  # handled with the inferred shapes


def _where(node: Node, args: list[Value]) -> Value | None:
    """torch's exporter writes `x.expand(shape)` as Where(shape == -1, ones, shape) over the
    shape it computed: Expand's size is known only once this is."""
    (dc, c), (dx, x), (dy, y) = args
    n = max(len(c), len(x), len(y))
    if any(len(v) not in (1, n) for v in (c, x, y)):
        return None
    dims = max((dc, dx, dy), key=len)
    return (dims, [x[i % len(x)] if c[i % len(c)] else y[i % len(y)] for i in range(n)])


_RULES: dict[str, Callable[[Node, list[Value]], Value | None]] = {
    "Add": _binary(lambda a, b: a + b),
    "Sub": _binary(lambda a, b: a - b),
    "Mul": _binary(lambda a, b: a * b),
    "Div": _binary(lambda a, b: a // b if b else 0),
    "Mod": _binary(lambda a, b: a % b if b else 0),  # fmod=0: the sign of the divisor, as Python's %
    "Concat": lambda node, args: (
        _scalar_or_vector([v for _, vs in args for v in vs], False)
        if all(len(d) == 1 for d, _ in args)
        else None
    ),
    "Cast": lambda node, args: args[0],
    "Size": lambda node, args: ((), [math.prod(args[0][0])]),
    "Identity": lambda node, args: args[0],
    "Unsqueeze": lambda node, args: ((1,), args[0][1]) if args[0][0] == () else None,
    "Squeeze": lambda node, args: ((), args[0][1]) if args[0][0] == (1,) else None,
    "Slice": _slice,
    "Gather": _gather,
    "Reshape": _reshape,
    "Transpose": _transpose,
    "ConstantOfShape": _constant_of_shape,
    "Where": _where,
}


_PREDICATES: dict[str, Callable[[Node, list[Value]], Value | None]] = {
    "Equal": _binary(lambda a, b: int(a == b)),
    "Less": _binary(lambda a, b: int(a < b)),
    "LessOrEqual": _binary(lambda a, b: int(a <= b)),
    "Greater": _binary(lambda a, b: int(a > b)),
    "GreaterOrEqual": _binary(lambda a, b: int(a >= b)),
    "And": _binary(lambda a, b: int(bool(a) and bool(b))),
    "Or": _binary(lambda a, b: int(bool(a) or bool(b))),
    "Not": lambda node, args: (args[0][0], [int(not v) for v in args[0][1]]),
}
"""Booleans computed from shapes (torch writes `if x.dim() == 3` as Shape -> Size -> Equal ->
If): known to the reader, which can then tell the branch an If takes, but never replaced in the
graph, whose int64 constants would not type-check where a bool is expected."""

Key = tuple
"""Where a node is: its index in the main graph, (index,); in a subgraph, the steps down to it
first, ((If's index, "then_branch"), index)."""
SUBGRAPHS = ("then_branch", "else_branch", "body")


@dataclass
class Folding:
    """What the reader can compute in a graph and its subgraphs."""

    constants: dict[Key, tuple[Node, Value]] = field(default_factory=dict)
    """Nodes whose single output is known, by where they are."""
    branches: dict[Key, tuple[Node, str]] = field(default_factory=dict)
    """If nodes whose condition is known, with the branch they take ("then_branch" or
    "else_branch")."""


def fold_all(
    graph: Graph,
    shapes: dict[str, tuple[int, ...] | None],
    prefix: Key = (),
    outer: dict[str, Value] | None = None,
) -> Folding:
    """Every node, in the graph and its subgraphs (which see their outer scope's values), whose
    single output the reader can compute, and every If whose condition it can."""
    here, values = fold(graph, shapes, outer)
    found = Folding({(*prefix, i): (graph.nodes[i], v) for i, v in here.items()})
    for index, node in enumerate(graph.nodes):
        condition = values.get(node.inputs[0]) if node.op_type == "If" and node.inputs else None
        if condition is not None and len(condition[1]) == 1:
            found.branches[(*prefix, index)] = (node, "then_branch" if condition[1][0] else "else_branch")
        for name in SUBGRAPHS:
            sub = node.attributes.get(name)
            if isinstance(sub, Graph):
                inner = {**shapes, **{k: _shape(v.dims) for k, v in sub.value_info.items()}}
                deeper = fold_all(sub, inner, (*prefix, (index, name)), values)
                found.constants.update(deeper.constants)
                found.branches.update(deeper.branches)
    return found


def _shape(dims) -> tuple[int, ...] | None:
    if dims is None or not all(isinstance(d, int) and d >= 0 for d in dims):
        return None
    return tuple(dims)


def fold(
    graph: Graph, shapes: dict[str, tuple[int, ...] | None], outer: dict[str, Value] | None = None
) -> tuple[dict[int, Value], dict[str, Value]]:
    """The graph's nodes (by index) whose single output the reader can compute, and every value
    it knows (for the subgraphs)."""
    values: dict[str, Value] = dict(outer or {})
    for tensor in graph.initializers.values():
        if tensor.values is not None and len(tensor.dims) <= 2 and _integral(tensor):
            values[tensor.name] = (tensor.dims, [int(v) for v in tensor.values])
    folded: dict[int, Value] = {}
    for index, node in enumerate(graph.nodes):
        if len(node.outputs) != 1 or node.domain not in ("", "ai.onnx"):
            continue
        result: Value | None = None
        if node.op_type == "Constant":
            value = node.attributes.get("value")
            if (
                isinstance(value, Tensor)
                and value.values is not None
                and len(value.dims) <= 1
                and _integral(value)
            ):
                values[node.outputs[0]] = (value.dims, [int(v) for v in value.values])
            continue
        if node.op_type == "Shape":
            shape = shapes.get(node.inputs[0])
            if shape is not None:
                start = int(node.attributes.get("start", 0))
                end = node.attributes.get("end")
                dims = list(shape[start : None if end is None else int(end)])
                result = ((len(dims),), dims)
        elif node.op_type in _RULES or node.op_type in _PREDICATES:
            rule = _RULES.get(node.op_type) or _PREDICATES[node.op_type]
            known = node.inputs and all(i in values for i in node.inputs if i)
            try:
                result = rule(node, [values[i] for i in node.inputs if i]) if known else None
            except (IndexError, KeyError, TypeError, ValueError, ZeroDivisionError):
                result = None
        if result is not None and len(result[1]) <= MAX_ELEMENTS:
            if _float_cast(node) is None:  # integer arithmetic goes on; a float's does not
                values[node.outputs[0]] = result
            if node.op_type not in _PREDICATES:
                folded[index] = result
    return folded, values


def _integral(tensor: Tensor) -> bool:
    return tensor.dtype.startswith(("int", "uint")) and math.prod(tensor.dims) <= MAX_ELEMENTS


_FLOATS = {1: "<{}f", 11: "<{}d"}
"""ONNX float types a folded Cast can be written as (FLOAT, DOUBLE), with their struct formats."""


def _float_cast(node: Node) -> int | None:
    """The float type a Cast makes of its integers, if it does: YOLOv8's head builds its anchor
    grid as Range(0, Cast(Shape(x)[2]) as float, 1), whose size ONNX can infer only once the
    limit is a float constant."""
    if node.op_type != "Cast":
        return None
    to = node.attributes.get("to")
    return to if to in _FLOATS else None


_TENSOR_ATTRIBUTE = 4
"""AttributeProto.TENSOR, the type of a Constant's `value`."""


def constant_node(node: Node, value: Value) -> bytes:
    """A Constant NodeProto of `value` (int64, or the float type a Cast made) that keeps the
    node's name and output."""
    dims, values = value
    float_type = _float_cast(node)
    tensor = b"".join(encode_int(1, d) for d in dims) + encode_int(2, float_type or 7)
    if float_type is not None:
        tensor += encode_field(9, struct.pack(_FLOATS[float_type].format(len(values)), *values))
    elif values:
        tensor += encode_field(7, b"".join(_varint(v) for v in values))
    return constant_proto(node.outputs[0].encode(), tensor, node.name.encode())


def constant_proto(output: bytes, tensor: bytes, name: bytes = b"") -> bytes:
    """A Constant NodeProto whose `value` attribute (a TENSOR) is the encoded TensorProto `tensor`,
    writing `output` and named `name` where one is given."""
    attribute = encode_field(1, b"value") + encode_field(5, tensor) + encode_int(20, _TENSOR_ATTRIBUTE)
    out = encode_field(2, output) + (encode_field(3, name) if name else b"")
    return out + encode_field(4, b"Constant") + encode_field(5, attribute)


def _varint(value: int) -> bytes:
    from .wire import encode_varint

    return encode_varint(value)


def as_nodes(*nodes: bytes) -> bytes:
    """NodeProtos as the graph's node fields: what a node is replaced with (one or several)."""
    return b"".join(encode_field(1, node) for node in nodes)


def replace_nodes(model: bytes, replacements: dict[Key, bytes]) -> bytes:
    """The model with the nodes at the given keys (fold_all's) replaced by the node fields given
    (as_nodes: a Constant, or the nodes of the branch an If takes)."""
    data = memoryview(model)
    out = bytearray()
    for number, kind, a, b, tag in fields(data):
        if number == 7 and kind == LENGTH:
            out += encode_field(7, _rewrite_graph(data, a, b, (), _Replacements(replacements)))
        else:
            out += data[tag:b]
    return bytes(out)


class _Replacements(dict):
    """The replacements by key, with every subgraph step some of them lie below: a graph of
    thousands of nodes is walked once, not once per replacement."""

    def __init__(self, replacements: dict[Key, bytes]) -> None:
        super().__init__(replacements)
        self.parents = {key[:i] for key in replacements for i in range(1, len(key))}


def _below(prefix: Key, step: object, replacements: _Replacements) -> bool:
    return (*prefix, step) in replacements.parents


def _rewrite_graph(data: memoryview, a: int, b: int, prefix: Key, replacements: _Replacements) -> bytes:
    out, index = bytearray(), 0
    for n, k, c, d, t in fields(data, a, b):
        if n != 1 or k != LENGTH:
            out += data[t:d]
            continue
        key = (*prefix, index)
        if key in replacements:
            out += replacements[key]
        elif any(_below(prefix, (index, name), replacements) for name in SUBGRAPHS):
            out += encode_field(1, _rewrite_node(data, c, d, prefix, index, replacements))
        else:
            out += data[t:d]
        index += 1
    return bytes(out)


def _rewrite_node(
    data: memoryview, c: int, d: int, prefix: Key, index: int, replacements: _Replacements
) -> bytes:
    out = bytearray()
    for n, k, e, f, t in fields(data, c, d):
        if n == 5 and k == LENGTH:
            name = next((bytes(data[g1:g2]).decode() for m, _, g1, g2, _ in fields(data, e, f) if m == 1), "")
            step = (index, name)
            if _below(prefix, step, replacements):
                attribute = bytearray()
                for m, j, g1, g2, tt in fields(data, e, f):
                    if m == 6 and j == LENGTH:
                        attribute += encode_field(
                            6, _rewrite_graph(data, g1, g2, (*prefix, step), replacements)
                        )
                    else:
                        attribute += data[tt:g2]
                out += encode_field(5, bytes(attribute))
                continue
        out += data[t:f]
    return bytes(out)
