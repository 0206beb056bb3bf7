"""An If whose condition the reader knows from the shapes (folding.py) runs one branch only:
replace it by that branch's nodes, with an Identity from each branch output to the If's, so that
ONNX's shape inference follows the branch that runs. Exporters write such Ifs around a shape
test (torch: `if x.dim() == 3`); when the branches' outputs differ in rank, inference gives up
on the If and every shape after it is lost.

A branch's own initializers become Constant nodes of the same tensors (weights are counted as
any Constant's). Where the branch cannot be inlined (sparse initializers, outputs that do not
match), the If stays: the reader then shows both branches and prices the costlier."""

from __future__ import annotations

from .folding import Key, as_nodes, constant_proto
from .wire import LENGTH, encode_field, fields

_GRAPH, _NODE, _ATTRIBUTE, _ATTRIBUTE_GRAPH = 7, 1, 5, 6
_INITIALIZER, _SPARSE_INITIALIZER, _OUTPUT = 5, 15, 12
_TENSOR_NAME = 8


def inline_branch(model: bytes, key: Key, branch: str, outputs: list[str]) -> bytes | None:
    """The node fields that replace the If at `key` by its `branch`; None where the branch holds
    sparse initializers or its outputs do not match the If's."""
    data = memoryview(model)
    span = _graph_span(data)
    for step in key[:-1]:
        node = _nth_node(data, span, step[0])
        span = _attribute_graph(data, node, step[1]) if node else None
        if span is None:
            return None
    node = _nth_node(data, span, key[-1])
    graph = _attribute_graph(data, node, branch) if node else None
    if graph is None:
        return None
    constants, nodes, names = [], [], []
    for number, kind, a, b, _ in fields(data, *graph):
        if number == _SPARSE_INITIALIZER:
            return None
        if number == _INITIALIZER and kind == LENGTH:
            constants.append(_constant(data, a, b))  # before the nodes that read them
        elif number == _NODE and kind == LENGTH:
            nodes.append(bytes(data[a:b]))
        elif number == _OUTPUT and kind == LENGTH:
            names.append(next((bytes(data[c:d]) for n, _, c, d, _ in fields(data, a, b) if n == 1), b""))
    if len(names) != len(outputs):
        return None
    links = [
        encode_field(1, inner) + encode_field(2, outer.encode()) + encode_field(4, b"Identity")
        for inner, outer in zip(names, outputs)
        if outer
    ]
    return as_nodes(*constants, *nodes, *links)


def _graph_span(data: memoryview) -> tuple[int, int] | None:
    return next(((a, b) for n, k, a, b, _ in fields(data) if n == _GRAPH and k == LENGTH), None)


def _nth_node(data: memoryview, span: tuple[int, int] | None, index: int) -> tuple[int, int] | None:
    if span is None:
        return None
    nodes = ((a, b) for n, k, a, b, _ in fields(data, *span) if n == _NODE and k == LENGTH)
    return next((node for i, node in enumerate(nodes) if i == index), None)


def _attribute_graph(data: memoryview, node: tuple[int, int], name: str) -> tuple[int, int] | None:
    """The bounds of the subgraph the node's attribute `name` holds."""
    for number, kind, a, b, _ in fields(data, *node):
        if number != _ATTRIBUTE or kind != LENGTH:
            continue
        parts = list(fields(data, a, b))
        if any(n == 1 and bytes(data[c:d]).decode() == name for n, _, c, d, _ in parts):
            return next(((c, d) for n, k, c, d, _ in parts if n == _ATTRIBUTE_GRAPH and k == LENGTH), None)
    return None


def _constant(data: memoryview, a: int, b: int) -> bytes:
    """A Constant NodeProto holding the TensorProto in data[a:b], named as the tensor is."""
    name = next(
        (bytes(data[c:d]) for n, k, c, d, _ in fields(data, a, b) if n == _TENSOR_NAME and k == LENGTH), b""
    )
    return constant_proto(name, bytes(data[a:b]))
