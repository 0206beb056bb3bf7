"""Read TensorFlow's profiler trace (the XSpace protobuf `tf.profiler.experimental.stop` writes)
into the self time of every op in every profiled pass. Parsed directly: the profiler's own
converters (framework_op_stats) are not shipped with the tensorflow wheel, the protobuf is."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

PASS_EVENT = "in_context_pass"
"""The name of the TraceMe each profiled pass runs under (its step_num is the pass index)."""
_OP = re.compile(r"^([^:]+):([A-Za-z_][A-Za-z0-9_]*)$")
"""TensorFlow names an op's event "scope/…/op_name:OpType"; runtime events ("ExecutorState::
Process", "ThreadpoolListener::Record") do not match."""


@dataclass
class OpTrace:
    """Self seconds of each op (by its full name) in each profiled pass, and each pass's wall."""

    passes: list[dict[str, float]] = field(default_factory=list)
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
    ops: list[tuple[int, int, str, str]] = []  # (start ps, self ps, name, type)
    for plane in space.planes:
        names = {key: meta.name for key, meta in plane.event_metadata.items()}
        for line in plane.lines:
            base = line.timestamp_ns * 1000
            events = sorted(
                ((base + e.offset_ps, e.duration_ps, names.get(e.metadata_id, "")) for e in line.events),
                key=lambda item: (item[0], -item[1]),
            )
            for start, duration, name in events:
                if name == PASS_EVENT:
                    windows.append((start, start + duration))
            ops.extend(_self_times(events))
    windows.sort()
    trace = OpTrace(
        passes=[defaultdict(float) for _ in windows], pass_wall_s=[(b - a) / 1e12 for a, b in windows]
    )
    for start, self_ps, name, op_type in ops:
        index = _window_of(windows, start)
        if index is None:
            continue
        trace.passes[index][name] += self_ps / 1e12
        trace.op_types[name] = op_type
    trace.passes = [dict(p) for p in trace.passes]
    return trace


def _self_times(events: list[tuple[int, int, str]]) -> list[tuple[int, int, str, str]]:
    """Op events of one thread with the time of ops nested inside them taken out (a function
    call op runs its body's ops within its own span)."""
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
        result.append([start, duration, match.group(1), match.group(2)])
        stack.append((start + duration, len(result) - 1))
    return [(s, max(d, 0), n, t) for s, d, n, t in result]


def _window_of(windows: list[tuple[int, int]], at: int) -> int | None:
    for index, (start, end) in enumerate(windows):
        if start <= at <= end:
            return index
    return None
