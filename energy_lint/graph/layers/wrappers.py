"""Wrappers around another layer: Bidirectional and TimeDistributed.

MACs per sample: Bidirectional, both directions; TimeDistributed, the inner layer's MACs per
sample times the number of time steps."""

from __future__ import annotations

from collections.abc import Mapping

from .base import Config, LayerCall, LayerConfigError, LayerResult, Shape


def inner_call(call: LayerCall, key: str, inputs: tuple[Shape, ...]) -> LayerResult:
    """Run the spec of the layer serialized under config[key] on `inputs`."""
    from . import spec_for  # the registry imports this module: resolve it at call time

    entry = call.config.get(key)
    if not isinstance(entry, Mapping) or not isinstance(entry.get("class_name"), str):
        raise LayerConfigError(f"config '{key}' must be a serialized layer")
    # As keras_config reads a layer entry: a module or registered name that is no string is absent.
    module, registered = (entry.get(k) for k in ("module", "registered_name"))
    spec = spec_for(
        entry["class_name"],
        module if isinstance(module, str) else None,
        registered if isinstance(registered, str) else None,
    )
    inner = Config(entry.get("config", {}))
    return spec(LayerCall(entry["class_name"], inner, inputs, options=call.options))


def bidirectional(call: LayerCall) -> LayerResult:
    sequence = call.inputs[:1] or (call.input,)
    forward = inner_call(call, "layer", sequence)
    backward_key = "backward_layer" if call.config.get("backward_layer") else "layer"
    backward = inner_call(call, backward_key, sequence)
    mode = call.config.get("merge_mode", "concat")
    fwd_out, bwd_out = forward.outputs[0], backward.outputs[0]
    if mode is None:
        merged: tuple[Shape, ...] = (fwd_out, bwd_out)
    elif mode == "concat":
        merged = ((*fwd_out[:-1], fwd_out[-1] + bwd_out[-1]),)
    elif mode in ("sum", "mul", "ave"):
        merged = (fwd_out,)
    else:
        raise LayerConfigError(f"config 'merge_mode' must be concat, sum, mul, ave or null, got {mode!r}")
    outputs = merged + forward.outputs[1:] + backward.outputs[1:]
    return LayerResult(outputs, forward.params + backward.params, forward.macs + backward.macs)


def time_distributed(call: LayerCall) -> LayerResult:
    shape = call.input
    if len(shape) < 3:
        raise LayerConfigError(f"expects (batch, steps, ...), got rank {len(shape)}")
    batch, steps = shape[0], shape[1]
    inner = inner_call(call, "layer", ((batch, *shape[2:]),))
    outputs = tuple((batch, steps, *out[1:]) for out in inner.outputs)
    return LayerResult(outputs, inner.params, steps * inner.macs)


SPECS = {"Bidirectional": bidirectional, "TimeDistributed": time_distributed}
