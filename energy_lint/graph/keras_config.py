"""Parse a Keras model config (Keras 3 or tf.keras 2, Functional or Sequential, nested) into
plain dataclasses: layer entries, their calls and the tensors each call consumes.

Two serializations exist. Keras 3 writes each call as {"args": [...], "kwargs": {...}} with
"__keras_tensor__" objects that record the tensor's shape; tf.keras 2 writes each call as a list
of [layer, node, tensor, kwargs] entries and records no shapes. Both end up as `Call`s here."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import EnergyLintError
from .layers.base import MAX_DIM

MODEL_CLASSES = ("Functional", "Model", "Sequential")
MAX_NESTING = 32


class ConfigError(EnergyLintError):
    """The config is not a readable Keras model; the reader adds the file name."""


@dataclass(frozen=True)
class TensorRef:
    """A tensor by origin: output `index` of call `node` of layer `layer`."""

    layer: str
    node: int
    index: int
    recorded_shape: tuple[int | None, ...] | None = None


@dataclass
class Call:
    """One call of a layer: tensors passed positionally and by keyword, and everything else."""

    args: list[TensorRef] = field(default_factory=list)
    kwargs: dict[str, TensorRef] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    constants: list[Any] = field(default_factory=list)

    @property
    def refs(self) -> list[TensorRef]:
        return self.args + list(self.kwargs.values())


@dataclass
class LayerEntry:
    """One element of a model's "layers": a layer (or nested model) and its calls."""

    name: str
    class_name: str
    config: dict[str, Any]
    calls: list[Call]
    module: str | None = None
    registered_name: str | None = None
    model: ModelConfig | None = None
    node_offset: int = 0
    """tf.keras 2 numbers the calls of a nested model from 1: its node 0 is its own creation."""
    input_shape: tuple[int | None, ...] | None = None
    """The input shape the file records for the layer itself (Keras 3's build_config, a Keras 2
    layer's batch_input_shape or build_input_shape), batch included: where an upstream layer is
    unknown, the file still says what this one was built on."""
    operation: bool = False
    """A Keras 3 operation (`x * 2`, keras.ops.*), not a layer: its class names overlap the
    layers' (Add, Multiply), and legacy .h5 files drop the module that tells them apart."""

    @property
    def is_input(self) -> bool:
        return self.class_name == "InputLayer"


@dataclass
class ModelConfig:
    name: str
    layers: list[LayerEntry]
    inputs: list[TensorRef]
    outputs: list[TensorRef]


NOT_A_MODEL = "not a Keras model config (no class_name) nor a Hugging Face config.json (no model_type)"


def parse_model(obj: Any, depth: int = 0) -> ModelConfig:
    """A model config object (as json.loads gives it) -> ModelConfig."""
    if depth > MAX_NESTING:
        raise ConfigError(f"models nested more than {MAX_NESTING} deep")
    if not isinstance(obj, Mapping) or not isinstance(obj.get("class_name"), str):
        if depth == 0:  # a JSON file read as a model: say both kinds it could have been
            raise ConfigError(NOT_A_MODEL)
        raise ConfigError("not a Keras model config (no class_name)")
    config = obj.get("config")
    if not isinstance(config, Mapping):
        raise ConfigError(f"{obj['class_name']} has no config object")
    layers = config.get("layers")
    if not isinstance(layers, list):
        raise ConfigError(
            f"{obj['class_name']} config lists no layers: a subclassed model's architecture is "
            "Python code, which energy-lint does not run"
        )
    name = _text(config.get("name") or obj.get("name") or obj["class_name"], "model name")
    if obj["class_name"] == "Sequential":
        return _parse_sequential(name, config, layers, depth)
    return _parse_functional(name, config, layers, depth)


def is_model_entry(entry: Mapping[str, Any]) -> bool:
    config = entry.get("config")
    return entry.get("class_name") in MODEL_CLASSES or (
        isinstance(config, Mapping) and isinstance(config.get("layers"), list)
    )


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{what} must be a non-empty string, got {value!r}")
    return value


def _entry(raw: Any, depth: int, name: str | None = None) -> LayerEntry:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"layer entry must be an object, got {type(raw).__name__}")
    class_name = _text(raw.get("class_name"), "layer class_name")
    config = raw.get("config")
    if not isinstance(config, Mapping):
        raise ConfigError(f"layer of class {class_name} has no config object")
    name = _text(name or raw.get("name") or config.get("name"), f"name of a {class_name} layer")
    module, registered = raw.get("module"), raw.get("registered_name")
    entry = LayerEntry(
        name=name,
        class_name=class_name,
        config=dict(config),
        calls=[],
        module=module if isinstance(module, str) else None,
        registered_name=registered if isinstance(registered, str) else None,
    )
    if is_model_entry(raw):
        entry.model = parse_model(raw, depth + 1)
    elif class_name != "InputLayer":
        entry.input_shape = _layer_input_shape(raw, config)
    return entry


def _layer_input_shape(raw: Mapping[str, Any], config: Mapping[str, Any]) -> tuple[int | None, ...] | None:
    """One recorded input shape of a layer, or None (several inputs, or none recorded, or
    not a list of dimensions: this is optional knowledge, never an error)."""
    build = raw.get("build_config")
    candidates = [
        build.get("input_shape") if isinstance(build, Mapping) else None,
        config.get("build_input_shape"),
        config.get("batch_input_shape"),
    ]
    for value in candidates:
        if (
            isinstance(value, list)
            and len(value) >= 2
            and all(d is None or (type(d) is int and 1 <= d <= MAX_DIM) for d in value)
        ):
            return tuple(value)
    return None


def _parse_functional(name: str, config: Mapping[str, Any], layers: list[Any], depth: int) -> ModelConfig:
    entries = []
    for raw in layers:
        entry = _entry(raw, depth)
        nodes = raw.get("inbound_nodes", [])
        if not isinstance(nodes, list):
            raise ConfigError(f"layer '{entry.name}': inbound_nodes must be a list")
        legacy = any(isinstance(node, list) for node in nodes)
        entry.calls = [_parse_node(node, entry.name) for node in nodes]
        entry.operation = _is_operation(entry, legacy)
        if legacy and entry.model is not None and _skips_first_node(raw):
            entry.node_offset = 1
        entries.append(entry)
    model = ModelConfig(
        name=name,
        layers=entries,
        inputs=_endpoints(config.get("input_layers"), "input_layers"),
        outputs=_endpoints(config.get("output_layers"), "output_layers"),
    )
    _offset_nested_calls(model)
    return model


def _offset_nested_calls(model: ModelConfig) -> None:
    """A nested model built on its own Input has that building as its node 0, so its calls in
    the outer model are nodes 1..n. tf.keras 2 and some Keras 3 versions write it so; others
    number the calls from 0. The references tell which: calls referenced as 1..n, never 0."""
    referenced: dict[str, set[int]] = {}
    for entry in model.layers:
        for call in entry.calls:
            for ref in call.refs:
                referenced.setdefault(ref.layer, set()).add(ref.node)
    for ref in model.outputs:
        referenced.setdefault(ref.layer, set()).add(ref.node)
    for entry in model.layers:
        nodes = referenced.get(entry.name)
        if entry.model is None or entry.node_offset or not nodes or not entry.calls:
            continue
        if 0 not in nodes and max(nodes) == len(entry.calls):
            entry.node_offset = 1


def _is_operation(entry: LayerEntry, legacy_calls: bool) -> bool:
    if entry.module is not None:
        return entry.module.startswith(("keras.src.ops", "keras.ops"))
    # Keras 3's legacy .h5 writes no module; an operation's config is only its name, where
    # every layer's config also has "trainable" and "dtype".
    return not legacy_calls and bool(entry.calls) and set(entry.config) <= {"name", "axis", "keepdims"}


def _skips_first_node(raw: Mapping[str, Any]) -> bool:
    """tf.keras 2 leaves out a nested model's first node when it was built on an Input."""
    if raw.get("class_name") != "Sequential":
        return True
    layers = raw["config"]["layers"]
    first = layers[0] if layers and isinstance(layers[0], Mapping) else {}
    first_config = first.get("config") if isinstance(first.get("config"), Mapping) else {}
    return first.get("class_name") == "InputLayer" or "batch_input_shape" in first_config


def _parse_sequential(name: str, config: Mapping[str, Any], layers: list[Any], depth: int) -> ModelConfig:
    """A Sequential model as a functional chain, with an InputLayer made up if it has none."""
    entries = [_entry(raw, depth) for raw in layers]
    if not entries or not entries[0].is_input:
        shape = config.get("build_input_shape")
        if shape is None and entries:
            first = entries[0].config
            shape = first.get("batch_input_shape") or first.get("batch_shape")
        input_config: dict[str, Any] = {"name": f"{name}_input", "batch_shape": shape}
        entries.insert(0, LayerEntry(f"{name}_input", "InputLayer", input_config, []))
    for previous, entry in itertools.pairwise(entries):
        entry.calls = [Call(args=[TensorRef(previous.name, 0, 0)])]
    last = entries[-1].name
    return ModelConfig(name, entries, [TensorRef(entries[0].name, 0, 0)], [TensorRef(last, 0, 0)])


def _endpoints(value: Any, key: str) -> list[TensorRef]:
    """input_layers / output_layers: a list of [name, node, index], one triple, or a dict."""
    if isinstance(value, Mapping):
        value = list(value.values())
    if not isinstance(value, list) or not value:
        raise ConfigError(f"model config has no {key}")
    if isinstance(value[0], str):
        value = [value]
    return [_triple(item, key) for item in value]


def _triple(item: Any, what: str, recorded: Any = None) -> TensorRef:
    if (
        not isinstance(item, (list, tuple))
        or len(item) < 3
        or not isinstance(item[0], str)
        or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in item[1:3])
    ):
        raise ConfigError(f"{what}: expected [layer, node, index], got {item!r}")
    return TensorRef(item[0], item[1], item[2], _recorded_shape(recorded, what))


def _recorded_shape(value: Any, what: str) -> tuple[int | None, ...] | None:
    """The shape Keras 3 recorded on an edge; the builder may use it, so a corrupt one is an
    error rather than a negative or absurd dimension passed on to the layers after it."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise ConfigError(f"{what}: recorded shape must be a list, got {value!r}")
    for d in value:
        if d is not None and (isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= MAX_DIM):
            raise ConfigError(f"{what}: recorded shape {value!r} has an invalid dimension {d!r}")
    return tuple(value)


def _parse_node(node: Any, layer: str) -> Call:
    where = f"layer '{layer}' inbound node"
    if isinstance(node, Mapping):
        call = Call()
        args = node.get("args", [])
        if not isinstance(args, list):
            raise ConfigError(f"{where}: args must be a list, got {type(args).__name__}")
        for arg in args:
            tensors = _keras3_tensors(arg, where)
            if tensors:
                call.args += tensors
            else:
                call.constants.append(arg)
        kwargs = node.get("kwargs", {})
        if not isinstance(kwargs, Mapping):
            raise ConfigError(f"{where}: kwargs must be an object")
        for key, value in kwargs.items():
            tensors = _keras3_tensors(value, where)
            if len(tensors) == 1 and _is_keras3_tensor(value):
                call.kwargs[key] = tensors[0]
            elif tensors:
                call.kwargs.update({f"{key}[{i}]": t for i, t in enumerate(tensors)})
            else:
                call.options[key] = value
        return call
    if isinstance(node, list):
        call = Call()
        # TFOpLambda writes its single call as one flat [layer, node, index, kwargs] entry.
        items = [node] if node and isinstance(node[0], str) else node
        for item in items:
            call.args.append(_triple(item, where))
            extra = item[3] if len(item) > 3 else {}
            if isinstance(extra, Mapping):
                for key, value in extra.items():
                    if _looks_like_ref(value):
                        call.kwargs[key] = _triple(value, where)
                    else:
                        call.options[key] = value
        return call
    raise ConfigError(f"{where} must be an object or a list, got {type(node).__name__}")


def _is_keras3_tensor(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get("class_name") == "__keras_tensor__"


def _keras3_tensors(value: Any, where: str) -> list[TensorRef]:
    """Every __keras_tensor__ in an argument, in order (lists and dicts of tensors included)."""
    if _is_keras3_tensor(value):
        config = value.get("config")
        if not isinstance(config, Mapping):
            raise ConfigError(f"{where}: tensor without config")
        return [_triple(config.get("keras_history"), where, config.get("shape"))]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _keras3_tensors(item, where)]
    if isinstance(value, Mapping) and "class_name" not in value:
        return [t for item in value.values() for t in _keras3_tensors(item, where)]
    return []


def _looks_like_ref(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) in (3, 4)
        and isinstance(value[0], str)
        and all(isinstance(i, int) and not isinstance(i, bool) for i in value[1:3])
    )
