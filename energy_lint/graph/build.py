"""Walk a parsed model config in dependency order and infer every call's shapes, params and MACs.

Nested models are flattened into their callers (names prefixed "outer/"), shared layers appear
once per call, and a layer class without a spec is kept, marked unknown, with the shapes Keras
recorded in the file when there are any: never a guess."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import EnergyLintError
from .keras_config import Call, LayerEntry, ModelConfig, TensorRef
from .layers import UnknownLayerError, spec_for
from .layers.base import (
    MAX_DIM,
    Config,
    LayerCall,
    LayerConfigError,
    LayerResult,
    Shape,
    checked_int,
    shape_text,
)
from .model import LayerNode
from .weights import WeightShapes

MaybeShape = tuple[int | None, ...] | None

MAX_LAYER_CALLS = 100_000
"""Real models make a few thousand layer calls; a nested model called twice at each of 32 levels
would make 2**32, so a config past this bound is refused rather than expanded for hours."""
MAX_LAYER_OUTPUTS = 4096
"""Output indices recorded past this are corrupt: one of 10**9 would build a 10**9-entry list."""


class GraphError(EnergyLintError):
    """The graph cannot be built (dangling or cyclic edges, bad shapes); the reader adds the file."""


@dataclass(frozen=True)
class Tensor:
    shape: Shape | None
    producer: str
    unknown_from: str | None = None
    """Where the shape is None: the unknown layer upstream that left it so."""
    rank: int | None = None
    """Where the shape is None: its rank, when the layer that made it fixes one (Flatten)."""


RANK_TWO_OUTPUTS = frozenset(
    {
        "Flatten",
        "GlobalAveragePooling1D",
        "GlobalAveragePooling2D",
        "GlobalAveragePooling3D",
        "GlobalMaxPooling1D",
        "GlobalMaxPooling2D",
        "GlobalMaxPooling3D",
        "GlobalAvgPool1D",
        "GlobalAvgPool2D",
        "GlobalMaxPool1D",
        "GlobalMaxPool2D",
    }
)
"""Layers whose output is (batch, features) whatever their input: a Dense after one of them
takes its input width from its kernel, so one unknown layer upstream stops there."""
RANK_KEEPING = frozenset(
    {"Dense", "Activation", "Dropout", "BatchNormalization", "LayerNormalization", "ReLU", "LeakyReLU"}
)
"""Layers whose output has the rank of their input."""


def input_batch_shape(entry: LayerEntry) -> MaybeShape:
    """The shape an InputLayer declares, batch included, in any Keras version's spelling."""
    config = entry.config
    shape = config.get("batch_shape") or config.get("batch_input_shape")
    if shape is None and config.get("shape") is not None:
        shape = config["shape"]
        shape = [None, *shape] if isinstance(shape, (list, tuple)) else shape
    if shape is None:
        return None
    if not isinstance(shape, (list, tuple)) or not shape:
        raise GraphError(f"input '{entry.name}' has an invalid shape {shape!r}")
    try:
        return tuple(None if d is None else checked_int(d, f"input '{entry.name}' dimension") for d in shape)
    except LayerConfigError as error:
        raise GraphError(str(error)) from None


class GraphBuilder:
    """Builds the flat list of LayerNodes for one top-level model."""

    def __init__(
        self,
        batch_size: int,
        input_shapes: Sequence[Sequence[int]] = (),
        weights: Callable[[], WeightShapes | None] | None = None,
        probe: int | None = None,
    ) -> None:
        self.batch_size = batch_size
        self.probe = probe
        """Fill every free input dimension with this size (inspect reads a model at several)."""
        self.free_dims: list[str] = []
        self.input_overrides = [tuple(s) for s in input_shapes]
        self._weights_reader = weights
        self._weights: WeightShapes | None = None
        self._weights_read = False
        self.nodes: list[LayerNode] = []
        self.names: set[str] = set()
        self.calls = 0

    def build(self, model: ModelConfig) -> tuple[list[Tensor], list[Tensor]]:
        """Returns the model's input and output tensors; nodes accumulate in self.nodes."""
        inputs = []
        entries = _index(model)
        for position, ref in enumerate(model.inputs):
            entry = entries.get(ref.layer)
            if entry is None or not entry.is_input:
                raise GraphError(f"model input '{ref.layer}' is not an InputLayer of the model")
            shape = self._resolve_input_shape(entry, position, len(model.inputs))
            inputs.append(Tensor(shape, entry.name))
        outputs = self._expand(model, "", inputs, reused=False)
        return inputs, outputs

    def _resolve_input_shape(self, entry: LayerEntry, position: int, count: int) -> Shape:
        declared = input_batch_shape(entry)
        override = self._override_for(position, count, declared)
        if declared is None:
            if override is None:
                raise GraphError(f"input '{entry.name}' has no recorded shape: pass --input-shape")
            declared = (None,) * (len(override) + 1)
        dims = list(declared[1:])
        if override is not None:
            if len(override) != len(dims):
                raise GraphError(
                    f"--input-shape {','.join(map(str, override))} has {len(override)} dimensions; "
                    f"input '{entry.name}' {shape_text(declared)} has {len(dims)} besides the batch"
                )
            for i, (have, given) in enumerate(zip(dims, override)):
                if have is not None and have != given:
                    raise GraphError(
                        f"--input-shape gives {given} for dimension {i + 1} of input "
                        f"'{entry.name}', which the model fixes at {have}"
                    )
                dims[i] = given
        if any(d is None for d in dims) and self.probe is not None:
            self.free_dims += [
                f"dimension {i + 1} of input '{entry.name}'" for i, d in enumerate(dims) if d is None
            ]
            dims = [self.probe if d is None else d for d in dims]
        if any(d is None for d in dims):
            raise GraphError(
                f"input '{entry.name}' has unknown dimensions {shape_text(declared)}: pass --input-shape"
            )
        return (self.batch_size, *dims)

    def _override_for(self, position: int, count: int, declared: MaybeShape) -> Shape | None:
        overrides = self.input_overrides
        if not overrides:
            return None
        if len(overrides) == count:
            return overrides[position]
        if len(overrides) == 1:
            # One --input-shape for several inputs: it fills those of the same rank.
            if declared is None or len(declared) - 1 == len(overrides[0]):
                return overrides[0]
            return None
        raise GraphError(f"{len(overrides)} --input-shape values for a model with {count} inputs")

    # -- expansion ---------------------------------------------------------------------------

    def _expand(self, model: ModelConfig, prefix: str, feeds: list[Tensor], reused: bool) -> list[Tensor]:
        entries = _index(model)
        produced: dict[tuple[str, int], list[Tensor]] = {}
        if len(feeds) != len(model.inputs):
            raise GraphError(
                f"model '{model.name}' takes {len(model.inputs)} inputs but is called with {len(feeds)}"
            )
        for ref, tensor in zip(model.inputs, feeds):
            produced[(ref.layer, 0)] = [tensor]
            if not prefix:
                self._add(
                    LayerNode(
                        name=ref.layer,
                        type="InputLayer",
                        config=entries[ref.layer].config,
                        inputs=[],
                        input_shapes=[],
                        output_shapes=[tensor.shape],
                    )
                )
        recorded = _recorded_shapes(model)
        for entry, index in _call_order(model, entries):
            self.calls += 1
            if self.calls > MAX_LAYER_CALLS:
                raise GraphError(f"the model makes more than {MAX_LAYER_CALLS:,} layer calls")
            if entry.is_input:
                if (entry.name, 0) not in produced:
                    raise GraphError(f"InputLayer '{entry.name}' is not among the model's inputs")
                continue
            call = entry.calls[index]
            args = [self._lookup(produced, entries, ref, entry.name) for ref in call.args]
            kwargs = {k: self._lookup(produced, entries, ref, entry.name) for k, ref in call.kwargs.items()}
            name = prefix + entry.name + (f"@{index}" if index else "")
            shares = reused or index > 0
            if entry.model is not None:
                outputs = self._expand(entry.model, name + "/", args + list(kwargs.values()), shares)
            else:
                outputs = self._call_layer(entry, call, name, args, kwargs, shares, recorded, index)
            produced[(entry.name, index)] = outputs
        return [self._lookup(produced, entries, ref, "model outputs") for ref in model.outputs]

    def _lookup(
        self,
        produced: dict[tuple[str, int], list[Tensor]],
        entries: dict[str, LayerEntry],
        ref: TensorRef,
        consumer: str,
    ) -> Tensor:
        tensors = produced.get(_call_key(ref, entries, consumer))
        if tensors is None:
            raise GraphError(
                f"'{consumer}' takes input from call {ref.node} of '{ref.layer}', which does not exist"
            )
        if ref.index >= len(tensors):
            raise GraphError(
                f"'{consumer}' takes output {ref.index} of '{ref.layer}', which has {len(tensors)}"
            )
        return tensors[ref.index]

    def _call_layer(
        self,
        entry: LayerEntry,
        call: Call,
        name: str,
        args: list[Tensor],
        kwargs: dict[str, Tensor],
        shared: bool,
        recorded: dict[tuple[str, int], dict[int, MaybeShape]],
        index: int,
    ) -> list[Tensor]:
        node = LayerNode(
            name=name,
            type=entry.class_name,
            config=entry.config,
            inputs=[t.producer for t in [*args, *kwargs.values()]],
            input_shapes=[t.shape for t in [*args, *kwargs.values()]],
            output_shapes=[],
            operation=entry.operation,
        )
        result: LayerResult | None = None
        try:
            spec = spec_for(entry.class_name, entry.module, entry.registered_name, entry.operation)
        except UnknownLayerError as error:
            node.known, node.note = False, f"no rule for this layer ({error})"
            spec = None
        tensors = [*args, *kwargs.values()]
        upstream = next((t.unknown_from for t in tensors if t.shape is None), None)
        arg_shapes = [t.shape for t in args]
        if spec is not None and upstream is not None:
            arg_shapes = self._recovered_inputs(entry, call, args, name)
            if None not in arg_shapes and all(t.shape is not None for t in kwargs.values()):
                node.input_shapes = [*arg_shapes, *(t.shape for t in kwargs.values())]
                node.note = f"input shape read from the file: upstream '{upstream}' is unknown"
        if spec is not None and not entry.operation and () in arg_shapes + [t.shape for t in kwargs.values()]:
            raise GraphError(
                f"layer '{name}' ({entry.class_name}) takes a tensor of rank 0, without a batch dimension"
            )
        if spec is not None and None not in arg_shapes and all(t.shape is not None for t in kwargs.values()):
            layer_call = LayerCall(
                class_name=entry.class_name,
                config=Config(entry.config),
                inputs=tuple(arg_shapes),  # type: ignore[arg-type]
                keyword_inputs={k: t.shape for k, t in kwargs.items() if t.shape is not None},
                options=call.options,
                constants=tuple(call.constants),
            )
            try:
                result = spec(layer_call)
            except UnknownLayerError as error:
                node.known, node.note = False, f"no rule for this layer ({error})"
            except LayerConfigError as error:
                raise GraphError(f"layer '{name}' ({entry.class_name}): {error}") from None
        if result is not None:
            _check_outputs(name, entry.class_name, result.outputs)
            node.output_shapes = list(result.outputs)
            node.params = 0 if shared else result.params
            node.layer_params = result.params
            node.macs = result.macs
            return self._added(node, [Tensor(shape, name) for shape in node.output_shapes])
        stored = self._stored_params(name)
        if stored is not None and not shared:
            node.params = stored
        recovered = self._recorded_outputs(entry, index, call, args, recorded)
        if recovered == [None]:
            recovered = [self._declared_output(entry, args)]
        node.output_shapes = recovered
        if node.known:
            node.known = False
            node.note = f"shape unknown because upstream '{upstream}' is unknown"
            cause = upstream
        else:
            cause = name
        if stored is not None:
            node.note += f"; params {stored:,} read from the weights stored in the file"
        rank = _output_rank(entry, args)
        return self._added(node, [Tensor(shape, name, None if shape else cause, rank) for shape in recovered])

    def _added(self, node: LayerNode, outputs: list[Tensor]) -> list[Tensor]:
        self._add(node)
        return outputs

    def _stored(self) -> WeightShapes | None:
        if not self._weights_read:
            self._weights_read = True
            self._weights = self._weights_reader() if self._weights_reader is not None else None
        return self._weights

    def _stored_params(self, name: str) -> int | None:
        """A layer's params as its stored weights count them (only read where needed)."""
        weights = self._stored()
        return None if weights is None else weights.params(_weights_key(name))

    def _recovered_inputs(
        self, entry: LayerEntry, call: Call, args: list[Tensor], name: str
    ) -> list[Shape | None]:
        """Inputs left unknown upstream, from what the file records: the edge's shape (Keras 3),
        the layer's own build shape, or a Dense kernel's width after a rank-2 output."""
        shapes = self._recorded_inputs(call, [t.shape for t in args])
        if len(args) == 1 and shapes[0] is None:
            declared = self._with_batch(entry.input_shape)
            if declared is not None and None not in declared:
                shapes = [declared]  # type: ignore[list-item]
            elif entry.class_name == "Dense" and args[0].rank == 2:
                stored = (self._stored() or WeightShapes()).shapes(_weights_key(name)) or []
                kernels = [shape for shape in stored if len(shape) == 2]  # the bias is 1-D
                if len(kernels) == 1 and 1 <= kernels[0][0] <= MAX_DIM:
                    shapes = [(self.batch_size, kernels[0][0])]
        return shapes

    def _declared_output(self, entry: LayerEntry, args: list[Tensor]) -> Shape | None:
        """A Lambda's declared output_shape (batch excluded), when it is a list of sizes."""
        if entry.class_name != "Lambda":
            return None
        declared = entry.config.get("output_shape")
        if entry.config.get("output_shape_type", "raw") != "raw" or not isinstance(declared, list):
            return None
        if not declared or not all(type(d) is int and 1 <= d <= MAX_DIM for d in declared):
            return None
        return (self.batch_size, *declared)

    def _with_batch(self, shape: MaybeShape) -> MaybeShape:
        if shape is None or not shape:
            return shape
        return (self.batch_size, *shape[1:])

    def _recorded_inputs(self, call: Call, shapes: list[Shape | None]) -> list[Shape | None]:
        """Keras 3 records each edge's shape; use it where an upstream layer left a gap."""
        out = []
        for shape, ref in zip(shapes, call.args):
            recorded = self._with_batch(ref.recorded_shape)
            usable = recorded is not None and None not in recorded
            out.append(shape if shape is not None else (recorded if usable else None))
        return out

    def _recorded_outputs(
        self,
        entry: LayerEntry,
        index: int,
        call: Call,
        args: list[Tensor],
        recorded: dict[tuple[str, int], dict[int, MaybeShape]],
    ) -> list[Shape | None]:
        """An unknown layer's outputs as the file records them, when its inputs are as recorded."""
        for tensor, ref in zip(args, call.args):
            if tensor.shape is None or ref.recorded_shape is None:
                return [None]
            if tensor.shape[1:] != ref.recorded_shape[1:]:
                return [None]
        found = recorded.get((entry.name, index + entry.node_offset))
        if not found:
            return [None]
        if max(found) >= MAX_LAYER_OUTPUTS:  # the list below has an entry per index
            raise GraphError(
                f"a layer reads output {max(found)} of '{entry.name}': no layer has over "
                f"{MAX_LAYER_OUTPUTS:,} outputs"
            )
        shapes: list[Shape | None] = []
        for i in range(max(found) + 1):
            shape = self._with_batch(found.get(i))
            shapes.append(shape if shape is not None and None not in shape else None)  # type: ignore[arg-type]
        return shapes

    def _add(self, node: LayerNode) -> None:
        if node.name in self.names:
            raise GraphError(f"two layers are named '{node.name}'")
        self.names.add(node.name)
        self.nodes.append(node)


def _weights_key(name: str) -> str:
    """Where a layer call's weights are stored: its layer path without call suffixes."""
    return re.sub(r"@\d+(?=/|$)", "", name)


def _output_rank(entry: LayerEntry, args: list[Tensor]) -> int | None:
    if entry.class_name in RANK_TWO_OUTPUTS and not entry.config.get("keepdims"):
        return 2
    if entry.class_name in RANK_KEEPING and len(args) == 1:
        return len(args[0].shape) if args[0].shape is not None else args[0].rank
    return None


def _index(model: ModelConfig) -> dict[str, LayerEntry]:
    entries: dict[str, LayerEntry] = {}
    for entry in model.layers:
        if entry.name in entries:
            raise GraphError(f"two layers are named '{entry.name}' in model '{model.name}'")
        entries[entry.name] = entry
    return entries


def _recorded_shapes(model: ModelConfig) -> dict[tuple[str, int], dict[int, MaybeShape]]:
    """Shapes Keras 3 recorded on edges, by producing call and then output index: indexed so that
    a model of many unknown layers is read in linear time, not quadratic."""
    recorded: dict[tuple[str, int], dict[int, MaybeShape]] = {}
    for entry in model.layers:
        for call in entry.calls:
            for ref in call.refs:
                if ref.recorded_shape is not None:
                    recorded.setdefault((ref.layer, ref.node), {})[ref.index] = ref.recorded_shape
    return recorded


def _call_order(model: ModelConfig, entries: dict[str, LayerEntry]) -> list[tuple[LayerEntry, int]]:
    """Every call after the calls it consumes (Kahn's algorithm, config order among equals)."""
    keys: list[tuple[str, int]] = []
    for entry in model.layers:
        keys += [(entry.name, 0)] if entry.is_input else [(entry.name, i) for i in range(len(entry.calls))]
    position = {key: i for i, key in enumerate(keys)}
    waiting = {key: 0 for key in keys}
    consumers: dict[tuple[str, int], list[tuple[str, int]]] = {key: [] for key in keys}
    for entry in model.layers:
        if entry.is_input:
            if any(call.refs for call in entry.calls):
                raise GraphError(f"InputLayer '{entry.name}' takes input from other layers")
            continue  # an input is produced once, as call 0, whatever nodes the file lists
        for i, call in enumerate(entry.calls):
            for dep in {_call_key(ref, entries, entry.name) for ref in call.refs}:
                if dep not in position:
                    raise GraphError(
                        f"'{entry.name}' takes input from call {dep[1]} of '{dep[0]}', which does not exist"
                    )
                waiting[(entry.name, i)] += 1
                consumers[dep].append((entry.name, i))
    ready = deque(key for key in keys if waiting[key] == 0)
    order = []
    while ready:
        key = ready.popleft()
        order.append((entries[key[0]], key[1]))
        for consumer in consumers[key]:
            waiting[consumer] -= 1
            if waiting[consumer] == 0:
                ready.append(consumer)
    if len(order) != len(keys):
        stuck = sorted({name for (name, _), n in waiting.items() if n > 0}, key=lambda n: n)
        shown = ", ".join(f"'{n}'" for n in stuck[:5]) + (" ..." if len(stuck) > 5 else "")
        raise GraphError(f"the graph has a cycle through {shown}")
    return order


def _call_key(ref: TensorRef, entries: dict[str, LayerEntry], consumer: str) -> tuple[str, int]:
    source = entries.get(ref.layer)
    if source is None:
        raise GraphError(f"'{consumer}' takes input from '{ref.layer}', which is not in the model")
    return (ref.layer, 0 if source.is_input else ref.node - source.node_offset)


def _check_outputs(name: str, class_name: str, outputs: Sequence[Shape]) -> None:
    for shape in outputs:
        if any(d < 1 or d > MAX_DIM for d in shape):
            raise GraphError(f"layer '{name}' ({class_name}) would output shape {shape_text(shape)}")
