"""Profile an .onnx model in context with onnxruntime: every node's kernel time inside the
running session (its own profiler, enable_profiling), credited to the graph energy-lint read,
and the whole pass timed without the profiler before and after.

onnxruntime rewrites a graph before it runs it: it fuses a Conv with the Add and Relu after it,
and its NCHWc layout pass names such a kernel after the tensor it writes ("<tensor>_nchwc"). A
kernel is credited to the node of its own name, else to the node that writes its tensor, walked
back to the nearest node of the kernel's op type; the nodes it absorbed get no time of their own,
as a fused layer does in TensorFlow. Kernels onnxruntime adds itself (layout reorders) belong to
no node: they count in the whole pass (`overhead_s`), never in a row."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..graph import ModelGraph
from .in_context import ContextProfile, layer_medians, warm_up_and_time
from .onnx_backend import random_feeds, session_for

EXECUTION_PATH = (
    "onnxruntime InferenceSession, CPUExecutionProvider, default graph optimizations, "
    "onnxruntime profiler node kernel times"
)
FUSED_OPS = {"FusedConv": "Conv", "FusedGemm": "Gemm", "FusedMatMul": "MatMul", "NhwcConv": "Conv"}
"""Kernels onnxruntime made by fusing, by the op of the node they run for."""
MAX_WALK = 4
"""How many nodes back from a fused kernel's output its own op may lie (Conv -> Add -> Relu)."""
_KERNEL = "_kernel_time"
_LAYOUT_SUFFIX = "_nchwc"


def tensor_writers(path: Path, graph: ModelGraph) -> dict[str, str]:
    """Which graph node writes each tensor of the model's top-level graph (weights not loaded)."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    names = {node.name for node in graph.layers}
    writers = {}
    for index, node in enumerate(model.graph.node):
        name = node.name or f"{node.op_type}_{index}"  # the reader's name for an unnamed node
        if name in names:
            writers.update({output: name for output in node.output if output})
    return writers


class KernelCredit:
    """Which graph node a kernel of the profile runs for (see the module docstring)."""

    def __init__(self, graph: ModelGraph, writers: Mapping[str, str]) -> None:
        self.ops = {node.name: node.type for node in graph.layers}
        self.inputs = {node.name: list(node.inputs) for node in graph.layers}
        self.writers = writers

    def __call__(self, kernel: str, op: str) -> str | None:
        if kernel in self.ops:
            return kernel
        start = self.writers.get(kernel.removesuffix(_LAYOUT_SUFFIX))
        wanted = FUSED_OPS.get(op, op)
        frontier, seen = [start] if start else [], set()
        for _ in range(MAX_WALK):
            following = []
            for name in frontier:
                if name in seen:
                    continue
                seen.add(name)
                if self.ops.get(name) == wanted:
                    return name
                following += [i for i in self.inputs.get(name, ()) if i in self.ops]
            frontier = following
        return None


@dataclass
class KernelPasses:
    """Seconds per kernel in each profiled pass, and what each pass spent after its last kernel."""

    kernels: list[dict[str, float]]
    tails: list[float]
    ops: dict[str, str]


def kernel_passes(events: Sequence[Mapping[str, Any]], passes: int) -> KernelPasses:
    """The last `passes` runs of onnxruntime's profile (an earlier one allocated): per run, each
    kernel's time and the executor's time since the kernel before it (or since the run began),
    so that a run's kernels add up to the run; and each kernel's op."""
    runs = sorted(
        (float(e["ts"]), float(e["ts"]) + float(e.get("dur", 0)))
        for e in events
        if e.get("cat") == "Session" and e.get("name") == "model_run"
    )[-passes:]
    kernels = sorted(
        (float(e["ts"]), float(e.get("dur", 0)), str(e["name"])[: -len(_KERNEL)], e)
        for e in events
        if e.get("cat") == "Node" and str(e.get("name", "")).endswith(_KERNEL)
    )
    per_pass: list[dict[str, float]] = [defaultdict(float) for _ in runs]
    tails = []
    ops: dict[str, str] = {}
    position = 0
    for index, (start, end) in enumerate(runs):
        cursor = start
        while position < len(kernels) and kernels[position][0] < start:
            position += 1
        while position < len(kernels) and kernels[position][0] <= end:
            ts, duration, kernel, event = kernels[position]
            per_pass[index][kernel] += (max(ts - cursor, 0.0) + duration) * 1e-6
            ops[kernel] = str(event.get("args", {}).get("op_name", ""))
            cursor = max(cursor, ts + duration)
            position += 1
        tails.append(max(end - cursor, 0.0) * 1e-6)
    return KernelPasses(per_pass, tails, ops)


def profile(
    path: Path,
    graph: ModelGraph,
    *,
    passes: int = 20,
    profile_seconds: float = 4.0,
    warmup_seconds: float = 0.5,
    whole_seconds: float = 0.4,
    repeats: int = 6,
    threads: int = 2,
) -> ContextProfile:
    """Profile the model at `path` (read as `graph`: batch and input shapes applied) in context:
    whole passes timed without the profiler, half before and half after up to `passes` profiled
    ones (5 at least, fewer where they would take over `profile_seconds`)."""
    import time

    session = session_for(path, threads=threads)
    feeds = random_feeds(session, graph)

    def forward() -> Any:
        return session.run(None, feeds)

    whole, after = warm_up_and_time(forward, warmup_seconds, whole_seconds, repeats)
    passes = max(5, min(passes, int(profile_seconds / max(whole.seconds, 1e-9))))
    with tempfile.TemporaryDirectory(prefix="energy-lint-ort-") as folder:
        profiled = session_for(path, threads=threads, profile_prefix=os.path.join(folder, "profile"))
        profiled.run(None, feeds)  # its first pass allocates: not one of the profiled passes
        walls = []
        for _ in range(passes):
            start = time.perf_counter()
            profiled.run(None, feeds)
            walls.append(time.perf_counter() - start)
        events = json.loads(Path(profiled.end_profiling()).read_text())
    whole.add(forward, whole_seconds, after)
    timed = kernel_passes(events, passes)
    credit = KernelCredit(graph, tensor_writers(path, graph))
    layer_passes: list[dict[str, float]] = []
    overhead: list[float] = []
    uncredited: set[str] = set()
    for kernels_s, tail in zip(timed.kernels, timed.tails, strict=True):
        totals: dict[str, float] = defaultdict(float)
        for kernel, seconds in kernels_s.items():
            node = credit(kernel, timed.ops[kernel])
            if node is None:
                uncredited.add(kernel)
            totals[node or ""] += seconds
        layer_passes.append(totals)
        overhead.append(totals.pop("", 0.0) + tail)
    layer_s, spread = layer_medians((node.name for node in graph.layers), layer_passes)
    notes = (
        [f"{len(uncredited)} kernels onnxruntime added or renamed credited to no node"] if uncredited else []
    )
    return ContextProfile(
        layer_s=layer_s,
        layer_spread=spread,
        overhead_s=statistics.median(overhead),
        whole_s=whole.seconds,
        whole_spread=whole.spread,
        profiled_pass_s=statistics.median(walls),
        passes=len(layer_passes),
        repeats=len(whole.window_medians),
        whole_passes=whole.passes,
        notes=notes,
    )
