"""An ONNX model file -> ModelGraph: one LayerNode per ONNX node, shapes from ONNX's shape
inference, params from the weights the graph holds, MACs from the op specs.

Params are the elements of every weight: an initializer or Constant of a float or low-bit
integer type with two or more elements, and the output of a ConstantOfShape sized by constants
(a weight generated in the graph); a shared weight counts once, on its first consumer. Integer
shape constants, scalars and quantization scales and zero points are not weights.

Subgraphs: an If whose condition the shapes decide (`if x.dim() == 3`) is read as the branch it
takes (branches.py); any other If shows both branches (prefixed "IF/then/", "IF/else/") and
prices the costlier by MACs, the other shown at no cost; a Loop's or Scan's body is shown once with its MACs
times the trip count when the file fixes it (Scan: the scanned axis), else once, said in a note."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..model import LayerNode, ModelGraph
from .activations import fuse_gelus
from .branches import inline_branch
from .dims import fill_inputs
from .folding import SUBGRAPHS, as_nodes, constant_node, fold_all, replace_nodes
from .inference import infer_shapes
from .neighbours import Neighbours
from .ops import OUTPUT_SHAPES, MissingShape, OpCall, spec_for
from .ops.layout import FREE
from .proto import (
    DTYPES,
    Graph,
    Memo,
    Model,
    Node,
    Tensor,
    add_value_info,
    decode_model,
    encode_value_info,
    graph_inputs,
    replace_graph_inputs,
)
from .transposes import cancel_transposes

_WEIGHT_TYPES = {"float32", "float16", "bfloat16", "float64", "int8", "uint8", "int4", "uint4"}
_WEIGHT_TYPES |= {name for name in DTYPES.values() if name.startswith("float")}
_NOT_WEIGHTS = {
    "QuantizeLinear": (1, 2),
    "DequantizeLinear": (1, 2),
    "QLinearConv": (1, 2, 4, 5, 6, 7),
    "QLinearMatMul": (1, 2, 4, 5, 6, 7),
    "ConvInteger": (2, 3),
    "MatMulInteger": (2, 3),
}
_CONTROL_FLOW = frozenset({"If", "Loop", "Scan"})
_PASS_THROUGH = frozenset({"Identity"})
"""Ops that hand a weight on unchanged: its user, not the op, holds the weight."""
_DTYPE_CODES = {name: code for code, name in DTYPES.items()}


def read_onnx(name: str, pruned: bytes, batch_size: int, input_shapes: Sequence[Sequence[int]]) -> ModelGraph:
    """The graph of a model already stripped of its weights' data (proto.prune, prune_file)."""
    declared = graph_inputs(pruned)
    filled, batch = fill_inputs(declared, batch_size, input_shapes)
    if filled:
        encoded = {}
        for info in declared:
            if info.name in filled:
                code = _DTYPE_CODES.get(info.dtype or "float32", 1)
                encoded[info.name] = encode_value_info(info.name, code, filled[info.name])
        pruned = replace_graph_inputs(pruned, encoded)
    model, branch_notes = _infer_with_folding(pruned)
    builder = _Builder(batch)
    builder.walk(model.graph, "", {}, set())
    leaving = (builder.producer.get(o.name, o.name) for o in model.graph.outputs)
    neighbours = Neighbours.of(builder.nodes, leaving)
    cancel_transposes(builder.nodes, neighbours)
    fuse_gelus(builder.nodes, neighbours)
    inputs = [_concrete(i.dims) for i in model.graph.inputs if i.name not in model.graph.initializers]
    outputs = [builder.shapes.get(o.name) or _concrete(o.dims) for o in model.graph.outputs]
    notes = [*branch_notes, *builder.notes]
    if batch != batch_size:
        notes.append(f"the model fixes its batch at {batch}: --batch-size {batch_size} does not apply")
    return ModelGraph(
        path=name,
        format="onnx",
        name=model.graph.name or name,
        batch_size=batch,
        layers=builder.nodes,
        input_shapes=inputs,  # type: ignore[arg-type]
        output_shapes=outputs,  # type: ignore[arg-type]
        notes=notes,
    )


FOLDING_ROUNDS = 64
"""Rounds of folding and inference at most: each round can resolve a shape that the next one
builds on, and they stop when one folds nothing new. ShuffleNet's channel shuffles and Swin's
windows are sized block after block this way (16 and 17 rounds at a free batch); eight left
the later blocks unknown."""


def _infer_with_folding(pruned: bytes) -> tuple[Model, list[str]]:
    """ONNX shape inference, then again after folding the shape computations it could not
    follow (folding.py) and replacing each If whose condition they decide by the branch it takes
    (branches.py), in the graph and its subgraphs, while that resolves more; a folded node keeps
    its op type and has no inputs. Returns the model and a note per If so replaced."""
    memo: Memo = {}
    model = decode_model(infer_shapes(pruned), memo)
    folded: dict[str, str] = {}  # the output of a node folded into a Constant -> its op type
    notes: list[str] = []
    for _ in range(FOLDING_ROUNDS):
        graph = model.graph
        shapes = {
            i.name: _concrete(i.dims) for i in [*graph.inputs, *graph.outputs, *graph.value_info.values()]
        }
        if all(shapes.get(o) is not None for node in graph.nodes for o in node.outputs if o) and not any(
            isinstance(node.attributes.get(name), Graph) for node in graph.nodes for name in SUBGRAPHS
        ):
            break
        found = fold_all(graph, shapes)
        replacements: dict[tuple, bytes] = {}
        for key, (node, value) in found.constants.items():
            if node.op_type != "Constant":
                replacements[key] = as_nodes(constant_node(node, value))
                folded[node.outputs[0]] = node.op_type
        for key, (node, branch) in found.branches.items():
            inlined = inline_branch(pruned, key, branch, node.outputs)
            if inlined is not None:
                replacements[key] = inlined
                notes.append(
                    f"If '{node.name or node.outputs[0]}': its condition is known from the shapes, "
                    f"only its {branch[:4]} branch runs and is read (the other's weights are not counted)"
                )
        declared = _contrib_outputs(graph, shapes)
        if not replacements and not declared:
            break
        pruned = add_value_info(replace_nodes(pruned, replacements), declared)
        model = decode_model(infer_shapes(pruned), memo)
    for node in _every_node(model.graph):
        if node.op_type == "Constant" and node.outputs and node.outputs[0] in folded:
            node.op_type, node.attributes = folded[node.outputs[0]], {"folded": True}
    return model, notes


def _contrib_outputs(graph: Graph, shapes: dict[str, tuple[int, ...] | None]) -> list[bytes]:
    """ValueInfoProtos for the outputs of the main graph's contrib ops that ONNX's inference left
    unknown, where OUTPUT_SHAPES knows them from the op's first input (float32 outputs)."""
    declared = []
    for node in graph.nodes:
        rule = OUTPUT_SHAPES.get(f"{node.domain}:{node.op_type}")
        first = shapes.get(node.inputs[0]) if node.inputs else None
        if rule is None or first is None or all(shapes.get(o) is not None for o in node.outputs if o):
            continue
        for name, dims in zip(node.outputs, rule(node.attributes, first)):
            if name and shapes.get(name) is None:
                declared.append(encode_value_info(name, _DTYPE_CODES["float32"], dims))
    return declared


def _every_node(graph: Graph) -> Iterator[Node]:
    for node in graph.nodes:
        yield node
        for name in SUBGRAPHS:
            sub = node.attributes.get(name)
            if isinstance(sub, Graph):
                yield from _every_node(sub)


def _concrete(dims: tuple[int | str | None, ...] | None) -> tuple[int, ...] | None:
    if dims is None or not all(isinstance(d, int) and d >= 0 for d in dims):
        return None
    return tuple(dims)  # type: ignore[arg-type]


@dataclass
class _Weight:
    elements: int
    counted: bool = False


class _Builder:
    def __init__(self, batch: int) -> None:
        self.batch = max(batch, 1)
        self.nodes: list[LayerNode] = []
        self.names: set[str] = set()
        self.shapes: dict[str, tuple[int, ...] | None] = {}
        self.dtypes: dict[str, str | None] = {}
        self.producer: dict[str, str] = {}
        self.notes: list[str] = []

    def walk(self, graph: Graph, prefix: str, weights: dict[str, _Weight], constants: set[str]) -> int:
        """Add the graph's nodes; returns the MACs they add. `weights` and `constants` are the
        enclosing scopes' (a subgraph sees its outer scope's values)."""
        weights, constants = dict(weights), set(constants)
        self._declare(graph.inputs, graph.outputs, graph.value_info.values())
        values: dict[str, tuple[float, ...]] = {}
        for tensor in graph.initializers.values():
            self._tensor(tensor, weights, constants, values)
        macs = 0
        for index, node in enumerate(graph.nodes):
            macs += self._node(node, index, prefix, weights, constants, values)
        return macs

    def _declare(self, *groups) -> None:
        for group in groups:
            for info in group:
                self.shapes[info.name] = _concrete(info.dims)
                self.dtypes[info.name] = info.dtype

    def _tensor(self, tensor: Tensor, weights, constants, values) -> None:
        constants.add(tensor.name)
        self.shapes[tensor.name] = tensor.dims
        self.dtypes[tensor.name] = tensor.dtype
        elements = math.prod(tensor.dims)
        if tensor.dtype in _WEIGHT_TYPES and elements >= 2:
            weights[tensor.name] = _Weight(elements)
        if tensor.values is not None and len(tensor.values) <= 64:
            values[tensor.name] = tensor.values

    def _unique(self, name: str) -> str:
        base, count = name, 1
        while name in self.names:
            name = f"{base}@{count}"
            count += 1
        self.names.add(name)
        return name

    def _node(self, node: Node, index: int, prefix: str, weights, constants, values) -> int:
        name = self._unique(prefix + (node.name or f"{node.op_type}_{index}"))
        op = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}:{node.op_type}"
        if node.op_type == "Constant" and isinstance(node.attributes.get("value"), Tensor):
            tensor = node.attributes["value"]
            tensor.name = node.outputs[0]
            self._tensor(tensor, weights, constants, values)
        inputs = [i for i in node.inputs]
        shapes = tuple(self.shapes.get(i) if i else None for i in inputs)
        constant = tuple(bool(i) and i in constants for i in inputs)
        # An omitted optional input ('': LSTM's sequence_lens, Resize's roi) is no input at all.
        # A subgraph reads outer values its node does not list: an If on a constant condition is
        # no computation on constants.
        on_constants = node.op_type not in _CONTROL_FLOW and all(c for i, c in zip(inputs, constant) if i)
        outputs = tuple(self.shapes.get(o) for o in node.outputs if o)
        if node.op_type == "ConstantOfShape" and on_constants:
            size = outputs[0]
            dtype = self.dtypes.get(node.outputs[0])
            if size is not None and dtype in _WEIGHT_TYPES and math.prod(size) >= 2:
                weights[node.outputs[0]] = _Weight(math.prod(size))
        if on_constants:  # a Constant, or a node computing on constants only
            constants.update(node.outputs)
        params = own = 0
        skip = _NOT_WEIGHTS.get(node.op_type, ())
        if node.op_type in _PASS_THROUGH and len(inputs) == 1 and inputs[0] in weights:
            # torch's exporter hands a weight it stored once to its second user through an
            # Identity: the weight belongs to the user, counted once for the model.
            weights[node.outputs[0]] = weights[inputs[0]]
            skip = (0,)
        for position, value in enumerate(inputs):
            weight = weights.get(value)
            if weight is None or position in skip:
                continue
            own += weight.elements
            if not weight.counted:
                weight.counted = True
                params += weight.elements
        layer = LayerNode(
            name=name,
            type=op,
            config=_config(node),
            inputs=[self.producer.get(i, i) for i in inputs if i and i not in constants],
            input_shapes=[s for i, s, c in zip(inputs, shapes, constant) if i and not c]
            or [s for s in shapes if s is not None],
            output_shapes=list(outputs),
            params=params,
            layer_params=own if own != params else None,
        )
        for output in node.outputs:
            self.producer[output] = name
        spec = spec_for(node.domain, node.op_type)
        macs = 0
        if spec is None:
            layer.known, layer.note = False, f"unknown ONNX op {op}: not estimated"
        elif on_constants:
            layer.keras_class = FREE
            if node.attributes.get("folded"):
                layer.note = "a shape computation the reader folded into a constant: not priced"
            elif inputs:
                layer.note = "computes on constants only: not priced"
        else:
            call = OpCall(
                node.op_type,
                node.attributes,
                shapes,
                outputs,
                constant,
                tuple(self.dtypes.get(i) for i in inputs),
                {i: values[v] for i, v in enumerate(inputs) if v in values},
            )
            try:
                result = spec(call)
            except MissingShape as error:
                layer.known, layer.note = False, f"{error}: not estimated"
            except (IndexError, TypeError, ValueError, ZeroDivisionError) as error:
                layer.known, layer.note = False, f"cannot read {op} ({error}): not estimated"
            else:
                layer.keras_class = result.keras_class
                layer.config.update(result.config)
                macs = result.macs
                shapes_out = layer.output_shapes
                if result.keras_class == FREE:
                    pass  # costs nothing, whatever its shapes
                elif (
                    None in layer.input_shapes
                    or not layer.input_shapes
                    or None in shapes_out
                    or not shapes_out
                ):
                    layer.known, layer.note = False, "shape unknown after ONNX shape inference"
                    if node.op_type == "Reshape" and len(inputs) > 1 and inputs[1] in values:
                        problem = _impossible_reshape(shapes[0], values[inputs[1]], self.batch)
                        layer.note = problem or layer.note
                elif not layer.input_shapes[0] or not shapes_out[0]:
                    layer.keras_class, layer.note = FREE, "a scalar computation: not priced"
        layer.macs = macs // self.batch
        self.nodes.append(layer)
        return layer.macs + self._subgraphs(node, name, weights, constants, values)

    def _subgraphs(self, node: Node, name: str, weights, constants, values) -> int:
        if node.op_type == "If":
            return self._if(node, name, weights, constants)
        body = node.attributes.get("body")
        if node.op_type not in ("Loop", "Scan") or not isinstance(body, Graph):
            return 0
        start = len(self.nodes)
        macs = self.walk(body, f"{name}/body/", weights, constants)
        trips = self._trips(node, values)
        if trips is None:
            self.notes.append(f"{node.op_type} '{name}': trip count unknown, its body is priced once")
            return macs
        for layer in self.nodes[start:]:
            layer.macs *= trips
            layer.note = (layer.note + "; " if layer.note else "") + f"MACs x {trips} iterations"
        return macs * trips

    def _trips(self, node: Node, values) -> int | None:
        if node.op_type == "Loop":
            count = values.get(node.inputs[0]) if node.inputs and node.inputs[0] else None
            return int(count[0]) if count else None
        scans = int(node.attributes.get("num_scan_inputs", 0))
        if scans < 1:
            return None
        first = self.shapes.get(node.inputs[len(node.inputs) - scans])
        axes = node.attributes.get("scan_input_axes") or [0]
        return first[int(axes[0])] if first else None

    def _if(self, node: Node, name: str, weights, constants) -> int:
        spans, costs = [], []
        for branch in ("then_branch", "else_branch"):
            graph = node.attributes.get(branch)
            start = len(self.nodes)
            costs.append(
                self.walk(graph, f"{name}/{branch[:4]}/", weights, constants)
                if isinstance(graph, Graph)
                else 0
            )
            spans.append((start, len(self.nodes)))
        worse = 0 if costs[0] >= costs[1] else 1
        start, end = spans[1 - worse]
        taken = ("then", "else")[worse]
        for layer in self.nodes[start:end]:
            layer.note = (
                f"not priced: If '{name}' is priced at its costlier branch ({taken}); {layer.macs:,} MACs"
            )
            layer.keras_class, layer.macs = FREE, 0
        self.notes.append(f"If '{name}': both branches shown, the costlier by MACs ({taken}) priced")
        return costs[worse]


def _impossible_reshape(shape: tuple[int, ...] | None, target: tuple[float, ...], batch: int) -> str | None:
    """Why ONNX could not reshape: a target the input's elements do not fit, which is most often
    a model built for another batch (mne-icalabel's ICLabelNet reshapes to [4, -1])."""
    if shape is None:
        return None
    elements = math.prod(shape)
    dims = [shape[i] if int(t) == 0 and i < len(shape) else int(t) for i, t in enumerate(target)]
    known = math.prod(d for d in dims if d != -1)
    if known and (elements % known if -1 in dims else elements != known):
        return (
            f"cannot reshape {elements} elements {tuple(shape)} to {list(int(t) for t in target)} "
            f"at batch {batch} (a model exported for another --batch-size?)"
        )
    return None


def _config(node: Node) -> dict:
    """The node's attributes as plain values: tensors and subgraphs by their shape and name."""
    config: dict = {}
    for key, value in node.attributes.items():
        if isinstance(value, Tensor):
            value = {"dims": list(value.dims), "dtype": value.dtype}
        elif isinstance(value, Graph):
            value = f"<graph {value.name}>"
        elif isinstance(value, list):
            value = [
                f"<graph {v.name}>"
                if isinstance(v, Graph)
                else {"dims": list(v.dims)}
                if isinstance(v, Tensor)
                else v
                for v in value
            ]
        config[key] = value
    return config


def _plain(value: object) -> object:
    if isinstance(value, Graph):
        return f"<graph {value.name}>"
    if isinstance(value, Tensor):
        return {"dims": list(value.dims), "dtype": value.dtype}
    return value
