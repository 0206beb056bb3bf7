"""Layout transposes that cancel: priced at nothing, as runtimes remove them.

Keras' torch-backend exports run every convolution in NCHW between a Transpose from the model's
NHWC and one back: Conv -> Transpose -> Add(bias) -> Relu -> Transpose -> Conv. The second
transpose undoes the first through ops that do not care about layout, and onnxruntime's
transpose optimizer removes both (calibration/cpu-epyc-2core-ort: 2,487 of 4,299 Permute rows
of the campaign ran no kernel of their own). A transpose is cancelled when every tensor it
feeds reaches, through element-wise ops only, a transpose with the inverse permutation, and
every other input of those ops is a constant or another such transpose; anything else (a graph
output, a reduction, a tensor from elsewhere) keeps them all priced."""

from __future__ import annotations

from collections.abc import Sequence

from ..model import LayerNode
from .neighbours import Neighbours
from .ops.layout import FREE

LAYOUT_FREE_OPS = frozenset(
    {
        "Abs", "Add", "Cast", "Clip", "Div", "Elu", "Erf", "Exp", "Gelu", "HardSigmoid",
        "HardSwish", "Identity", "LeakyRelu", "Log", "Max", "Min", "Mish", "Mul", "Neg", "Pow",
        "Relu", "Selu", "Sigmoid", "Softplus", "Sqrt", "Sub", "Tanh",
    }
)  # fmt: skip
"""Ops that compute each element on its own: the same in any layout, so a transpose can be
pushed through them (a constant operand is transposed with it, once, when the graph loads)."""
NOTE = (
    "a layout transpose undone by an inverse one after element-wise ops only: "
    "not priced (runtimes remove the pair)"
)


def _perm(node: LayerNode) -> tuple[int, ...]:
    """The node's permutation; without one, ONNX reverses the axes of its input."""
    perm = node.config.get("perm")
    if isinstance(perm, list):
        return tuple(int(p) for p in perm)
    shape = node.input_shapes[0] if node.input_shapes else None
    return tuple(reversed(range(len(shape) if shape is not None else 0)))


def _inverse(first: Sequence[int], second: Sequence[int]) -> bool:
    return len(first) == len(second) and all(first[second[i]] == i for i in range(len(first)))


def cancel_transposes(nodes: Sequence[LayerNode], graph: Neighbours) -> int:
    """Mark each cancelling group of transposes free (see the module docstring); returns how
    many transposes were marked."""
    seen: set[str] = set()
    marked = 0
    for node in nodes:
        if node.type != "Transpose" or node.name in seen or node.priced_as == FREE:
            continue
        found = _cancelling(node, graph)
        seen.update(found[0] if found else {node.name})
        if found is None:
            continue
        for name in found[0] | found[1]:
            transpose = graph.by_name[name]
            transpose.keras_class, transpose.note, transpose.macs = FREE, NOTE, 0
            marked += 1
    return marked


def _cancelling(start: LayerNode, graph: Neighbours) -> tuple[set[str], set[str]] | None:
    """The transposes of `start`'s permutation and the inverse ones that undo them around one
    region of element-wise ops, or None where the region does not close."""
    perm = _perm(start)
    by_name, users = graph.by_name, graph.users

    def same(node: LayerNode) -> bool:
        return node.type == "Transpose" and node.priced_as != FREE and _perm(node) == perm

    starts, ends, region = {start.name}, set(), set()
    todo = [start.name]
    while todo:
        name = todo.pop()
        if name in graph.leaving or not users.get(name):
            return None  # the layout leaves the graph
        for user_name in users[name]:
            user = by_name[user_name]
            if user_name in region or user_name in ends:
                continue
            undoes = user.type == "Transpose" and _inverse(perm, _perm(user))
            if undoes and user.priced_as != FREE:
                ends.add(user_name)
                continue
            if user.type not in LAYOUT_FREE_OPS:
                return None
            region.add(user_name)
            todo.append(user_name)
            for source in user.inputs:
                producer = by_name.get(source)
                if producer is not None and same(producer) and source not in starts:
                    starts.add(source)
                    todo.append(source)
    for name in region | ends:
        for source in by_name[name].inputs:
            producer = by_name.get(source)
            if source in region or source in starts or (producer is not None and not producer.inputs):
                continue  # inside, or a constant (a node with no inputs: an initializer's Identity)
            return None  # a tensor in another layout, or a graph input
    return starts, ends
