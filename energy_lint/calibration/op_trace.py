"""Read TensorFlow's profiler trace (the XSpace protobuf `tf.profiler.experimental.stop` writes)
into the self time of every op in every profiled pass. Parsed directly: the profiler's own
converters (framework_op_stats) are not shipped with the tensorflow wheel, the protobuf is."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PASS_EVENT = "in_context_pass"
"""The name of the TraceMe each profiled pass runs under (its step_num is the pass index)."""
ASYNC_OP = "ExecutorState::ProcessAsync::Start"
"""An asynchronous op (a StatefulPartitionedCall into an XLA-compiled function, which is how Keras
runs a grouped Conv2D on TensorFlow) has no "scope:Type" event: its time is under this event, whose
`name` and `kernel_type` stats say which op it is. Read as that op, or the layer loses its time to
the op that runs after it."""
_OP = re.compile(r"^([^:]+):([A-Za-z_][A-Za-z0-9_]*)$")
"""TensorFlow names an op's event "scope/…/op_name:OpType"; runtime events ("ExecutorState::
Process", "ThreadpoolListener::Record") do not match."""


@dataclass
class OpTrace:
    """Self seconds of each op (by its full name) in each profiled pass, and each pass's wall."""

    passes: list[dict[str, float]] = field(default_factory=list)
    """Per pass, each op's self time plus the idle time on its thread since the op before it
    ended (the executor scheduling it: its dispatch cost, which is part of the layer in
    context). What stays outside is the call into the function before its first op and after
    its last."""
    gaps_s: list[float] = field(default_factory=list)
    """Per pass, the scheduling time between ops that `passes` includes."""
    op_types: dict[str, str] = field(default_factory=dict)
    pass_wall_s: list[float] = field(default_factory=list)


def read_trace(logdir: Path) -> OpTrace:
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    files = sorted(logdir.rglob("*.xplane.pb"))
    if not files:
        raise RuntimeError(f"the profiler wrote no trace under {logdir}")
    space = xplane_pb2.XSpace()
    space.ParseFromString(files[-1].read_bytes())
    windows: list[tuple[int, int]] = []
    ops: list[tuple[int, int, int, str, str, int]] = []  # (start, self, end ps, name, type, line)
    lines = 0
    for plane in space.planes:
        names = {key: meta.name for key, meta in plane.event_metadata.items()}
        stat_names = {key: meta.name for key, meta in plane.stat_metadata.items()}
        for line in plane.lines:
            lines += 1
            base = line.timestamp_ns * 1000
            events = sorted(
                ((base + e.offset_ps, e.duration_ps, _event_name(e, names, stat_names)) for e in line.events),
                key=lambda item: (item[0], -item[1]),
            )
            for start, duration, name in events:
                if name == PASS_EVENT:
                    windows.append((start, start + duration))
            ops.extend((*op, lines) for op in _self_times(events))
    windows.sort()
    trace = OpTrace(
        passes=[defaultdict(float) for _ in windows],
        gaps_s=[0.0 for _ in windows],
        pass_wall_s=[(b - a) / 1e12 for a, b in windows],
    )
    last_end: dict[tuple[int, int], int] = {}  # (line, pass) -> end of the latest op span
    for start, self_ps, end, name, op_type, line in sorted(ops):
        index = _window_of(windows, start)
        if index is None:
            continue
        previous = last_end.get((line, index))
        gap = max(0, start - previous) if previous is not None else 0
        last_end[(line, index)] = max(previous or 0, end)
        trace.passes[index][name] += (self_ps + gap) / 1e12
        trace.gaps_s[index] += gap / 1e12
        trace.op_types[name] = op_type
    trace.passes = [dict(p) for p in trace.passes]
    return trace


def _event_name(event: Any, names: dict[int, str], stat_names: dict[int, str]) -> str:
    """An event's name; for an asynchronous op's start, "scope/op:Type" from its stats."""
    name = names.get(event.metadata_id, "")
    if name != ASYNC_OP:
        return name
    stats = {
        stat_names.get(s.metadata_id): s.str_value or stat_names.get(s.ref_value, "") for s in event.stats
    }
    op, kind = stats.get("name"), stats.get("kernel_type")
    return f"{op}:{kind}" if op and kind else name


def _self_times(events: list[tuple[int, int, str]]) -> list[tuple[int, int, int, str, str]]:
    """Op events of one thread with the time of ops nested inside them taken out (a function
    call op runs its body's ops within its own span): (start, self, end of span, name, type)."""
    result: list[list] = []
    stack: list[tuple[int, int]] = []  # (end ps, index in result)
    for start, duration, name in events:
        match = _OP.match(name)
        if not match:
            continue
        while stack and stack[-1][0] <= start:
            stack.pop()
        if stack:
            result[stack[-1][1]][1] -= min(duration, stack[-1][0] - start)
        result.append([start, duration, match.group(1), match.group(2), start + duration])
        stack.append((start + duration, len(result) - 1))
    return [(s, max(d, 0), e, n, t) for s, d, n, t, e in result]


def _window_of(windows: list[tuple[int, int]], at: int) -> int | None:
    for index, (start, end) in enumerate(windows):
        if start <= at <= end:
            return index
    return None
