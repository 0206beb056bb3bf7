"""Activations an exporter writes out op by op, read back as the one activation they compute.

torch exports nn.GELU (and Hugging Face's "gelu") as x * 0.5 * (1 + erf(x / sqrt(2))): Div,
Erf, Add, Mul, Mul. onnxruntime fuses the five into one Gelu kernel (calibration/cpu-epyc-2core-ort:
four of every five nodes ran no kernel of their own), and Keras has one Activation("gelu") for
it: pricing five element-wise ops where one runs put a small MLP's GELUs at 3-4x their time.
The chain is matched by its ops and wiring (the constants are the exporter's); any other use of
its tensors leaves every node as it was."""

from __future__ import annotations

from collections.abc import Sequence

from ..model import LayerNode
from .neighbours import Neighbours
from .ops.layout import FREE

ACTIVATION = "Activation"
NOTE = "part of a GELU written out op by op: priced as one Activation('gelu') at the chain's end"


def fuse_gelus(nodes: Sequence[LayerNode], graph: Neighbours) -> int:
    """Mark each erf-form GELU chain: its last node priced as Activation("gelu"), the others
    free. None but the chain's last may leave the graph. Returns how many chains were found."""
    found = 0
    for node in nodes:
        chain = _gelu_chain(node, graph) if node.type == "Erf" else None
        if chain is None or any(part.name in graph.leaving for part in chain[:-1]):
            continue
        *parts, last = chain
        for part in parts:
            part.keras_class, part.note, part.macs = FREE, NOTE, 0
        last.keras_class = ACTIVATION
        last.config = {**last.config, "activation": "gelu"}
        found += 1
    return found


def _gelu_chain(erf: LayerNode, graph: Neighbours) -> list[LayerNode] | None:
    """[scale, Erf, Add, Mul(, Mul)] of x * 0.5 * (1 + erf(x / sqrt 2)) around this Erf, or None."""
    if len(erf.inputs) != 1 or erf.priced_as == FREE:
        return None
    scale = graph.by_name.get(erf.inputs[0])
    if scale is None or scale.type not in ("Div", "Mul") or len(scale.inputs) != 1:
        return None  # x / sqrt(2) or x * (1 / sqrt(2)), the constant not among the inputs
    if graph.only_user(scale.name) is not erf:
        return None
    x = scale.inputs[0]
    plus_one = graph.only_user(erf.name)
    if plus_one is None or plus_one.type != "Add" or plus_one.inputs != [erf.name]:
        return None
    product = graph.only_user(plus_one.name)
    if product is None or product.type != "Mul" or sorted(product.inputs) != sorted([x, plus_one.name]):
        return None
    chain = [scale, erf, plus_one, product]
    half = graph.only_user(product.name)
    if half is not None and half.type == "Mul" and half.inputs == [product.name]:
        chain.append(half)  # the 0.5 applied last
    return chain
