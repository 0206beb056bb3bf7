"""Recurrent layers: SimpleRNN, LSTM, GRU, the generic RNN over their cells, and ConvLSTM.

MACs per sample: time steps x gates x (input features x units + units x units), the input and
recurrent kernels applied at every step (ConvLSTM: the same with convolutions). Gate
non-linearities and bias additions are element-wise: not counted."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .base import Config, LayerCall, LayerConfigError, LayerResult, Shape
from .conv import conv_output_length

_GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3, "CuDNNLSTM": 4, "CuDNNGRU": 3}
_STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1, "CuDNNLSTM": 2, "CuDNNGRU": 1}


def cell_params(kind: str, config: Config, features: int) -> tuple[int, int, int]:
    """(params, MACs per step, units) of one cell of `kind` fed `features` inputs."""
    units = config.int("units")
    gates = _GATES[kind]
    kernels = gates * (features * units + units * units)
    bias = 0
    if config.bool("use_bias", True):
        # CuDNN kernels and GRU with reset_after keep separate input and recurrent biases.
        doubled = kind.startswith("CuDNN") or (kind == "GRU" and config.bool("reset_after", True))
        bias = gates * units * (2 if doubled else 1)
    return kernels + bias, kernels, units


def _cells(kind: str, config: Config) -> list[tuple[str, Config]]:
    """The cells a recurrent layer runs: itself, or the `cell` of a generic RNN layer."""
    if kind != "RNN":
        return [(kind, config)]
    cell = config.get("cell")
    if not isinstance(cell, Mapping):
        raise LayerConfigError("config 'cell' must be an object")
    name = str(cell.get("class_name", ""))
    inner: Any = cell.get("config", {})
    if name == "StackedRNNCells":
        cells = inner.get("cells") if isinstance(inner, Mapping) else None
        if not isinstance(cells, list):
            raise LayerConfigError("StackedRNNCells config has no 'cells' list")
        return [pair for item in cells for pair in _cells("RNN", Config({"cell": item}))]
    kind = name.removesuffix("Cell")
    if kind not in ("SimpleRNN", "LSTM", "GRU"):
        raise LayerConfigError(f"unsupported RNN cell {name!r}")
    return [(kind, Config(inner))]


def recurrent(kind: str):
    def spec(call: LayerCall) -> LayerResult:
        sequence = call.inputs[0] if call.inputs else call.input
        if len(sequence) != 3:
            raise LayerConfigError(f"expects (batch, steps, features), got rank {len(sequence)}")
        time_major = call.config.bool("time_major", False)
        steps, batch = (sequence[0], sequence[1]) if time_major else (sequence[1], sequence[0])
        features = sequence[2]
        params = macs = 0
        states: list[Shape] = []
        for cell_kind, cell_config in _cells(kind, call.config):
            cell_p, cell_m, units = cell_params(cell_kind, cell_config, features)
            params, macs, features = params + cell_p, macs + steps * cell_m, units
            states += [(batch, units)] * _STATES[cell_kind]
        if call.config.bool("return_sequences", False):
            output = (steps, batch, features) if time_major else (batch, steps, features)
        else:
            output = (batch, features)
        outputs = (output, *states) if call.config.bool("return_state", False) else (output,)
        return LayerResult(outputs, params, macs)

    return spec


def conv_lstm(rank: int):
    def spec(call: LayerCall) -> LayerResult:
        shape = call.inputs[0] if call.inputs else call.input
        if len(shape) != rank + 3:
            raise LayerConfigError(f"expects an input of rank {rank + 3}, got {len(shape)}")
        config = call.config
        first = config.channels_first()
        batch, steps = shape[0], shape[1]
        channels = shape[2] if first else shape[-1]
        spatial = shape[3:] if first else shape[2:-1]
        filters = config.int("filters")
        kernel = config.ints("kernel_size", rank)
        strides = config.ints("strides", rank, 1)
        dilation = config.ints("dilation_rate", rank, 1)
        padding = config.choice("padding", ("valid", "same"), "valid")
        out = tuple(
            conv_output_length(n, k, padding, s, d) for n, k, s, d in zip(spatial, kernel, strides, dilation)
        )
        if min(out) < 1:
            raise LayerConfigError(f"input {spatial} is too small for kernel {kernel}")
        volume = math.prod(kernel)
        kernels = 4 * volume * filters * (channels + filters)
        params = kernels + (4 * filters if config.bool("use_bias", True) else 0)
        frame = (filters, *out) if first else (*out, filters)
        output = (batch, steps, *frame) if config.bool("return_sequences", False) else (batch, *frame)
        states = ((batch, *frame),) * 2 if config.bool("return_state", False) else ()
        return LayerResult((output, *states), params, steps * math.prod(out) * kernels)

    return spec


SPECS = {kind: recurrent(kind) for kind in (*_GATES, "RNN")}
SPECS.update({f"ConvLSTM{rank}D": conv_lstm(rank) for rank in (1, 2, 3)})
