"""LSTM, GRU and RNN: MACs = time steps x directions x gates x (input x hidden + hidden x hidden)
per sample, as the Keras recurrent layers count (the input and recurrent kernels at every step).
onnxruntime's DynamicQuantizeLSTM (what `quantize_dynamic` makes of an LSTM) is an LSTM with
int8 weights; ONNX's shape inference does not know it, so its output shapes come from here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import Dims, OpCall, OpResult

_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3, "DynamicQuantizeLSTM": 4}
_KERAS = {"RNN": "SimpleRNN", "LSTM": "LSTM", "GRU": "GRU", "DynamicQuantizeLSTM": "LSTM"}


def recurrent(call: OpCall) -> OpResult:
    x = call.shape(0)
    hidden = int(call.attr("hidden_size") or call.shape(2)[-1])
    directions = _directions(call.attributes)
    steps, batch = (x[1], x[0]) if call.attr("layout", 0) else (x[0], x[1])
    per_step = _GATES[call.op_type] * (x[-1] * hidden + hidden * hidden)
    macs = steps * batch * directions * per_step
    config = {"units": hidden}
    if directions == 2:
        return OpResult("Bidirectional", macs, {"layer": {"config": config}})
    return OpResult(_KERAS[call.op_type], macs, config)


def _directions(attributes: Mapping[str, Any]) -> int:
    return 2 if attributes.get("direction", "forward") == "bidirectional" else 1


SPECS = {"LSTM": recurrent, "GRU": recurrent, "RNN": recurrent}


def output_shapes(attributes: Mapping[str, Any], x: Dims) -> list[Dims]:
    """Y, Y_h and Y_c of a recurrent op over input x (time-major, ONNX's default layout)."""
    hidden, directions = int(attributes["hidden_size"]), _directions(attributes)
    steps, batch = x[0], x[1]
    return [(steps, directions, batch, hidden), (directions, batch, hidden), (directions, batch, hidden)]
