"""LSTM, GRU and RNN: MACs = time steps x directions x gates x (input x hidden + hidden x hidden)
per sample, as the Keras recurrent layers count (the input and recurrent kernels at every step)."""

from __future__ import annotations

from .base import OpCall, OpResult

_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}
_KERAS = {"RNN": "SimpleRNN", "LSTM": "LSTM", "GRU": "GRU"}


def recurrent(call: OpCall) -> OpResult:
    x = call.shape(0)
    hidden = int(call.attr("hidden_size") or call.shape(2)[-1])
    directions = 2 if call.attr("direction", "forward") == "bidirectional" else 1
    steps, batch = (x[1], x[0]) if call.attr("layout", 0) else (x[0], x[1])
    per_step = _GATES[call.op_type] * (x[-1] * hidden + hidden * hidden)
    macs = steps * batch * directions * per_step
    config = {"units": hidden}
    if directions == 2:
        return OpResult("Bidirectional", macs, {"layer": {"config": config}})
    return OpResult(_KERAS[call.op_type], macs, config)


SPECS = {"LSTM": recurrent, "GRU": recurrent, "RNN": recurrent}
