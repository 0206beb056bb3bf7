"""Profile an .onnx model in context with onnxruntime: every node's kernel time inside the
running session (its own profiler, enable_profiling), credited to the graph energy-lint read,
and the whole pass timed without the profiler before and after.

onnxruntime rewrites a graph before it runs it, and its profile names the rewritten nodes: a
Conv fused with the Add and Relu after it, named after the tensor it writes by the NCHWc layout
pass ("<tensor>_nchwc") or after a node ("/Add_6_nchwc"); a MatMul and its bias Add as one Gemm
("fused /MatMul_1/MatMulAddFusion"); a GELU's five nodes as one "Gelu_token_25". A kernel is
credited to the node of its own name; else to the node its name starts with, or to the node
that writes its tensor (named, or read off the rewritten graph onnxruntime saves), walked back to
the nearest node of the kernel's op type, or that node itself where none is near. The nodes a
kernel absorbed get no time of their own, as a fused layer does in TensorFlow. A layout reorder
onnxruntime adds itself (NCHW to its blocked NCHWc and back) is the work of the convolution it
serves: a ReorderInput is credited as the kernel reading its output is, a ReorderOutput as the
kernel writing its input is. Kernels whose tensors cannot be traced back belong to no node: they
count in the whole pass (`overhead_s`), never in a row. What profiling
itself costs (a profiled pass outlasts an unprofiled one) is taken off the time between kernels,
where the profiler writes its events."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..graph import ModelGraph
from ..graph.onnx.ops.layout import FREE
from .in_context import ContextProfile, layer_medians, warm_up_and_time
from .onnx_backend import random_feeds, session_for

EXECUTION_PATH = (
    "onnxruntime InferenceSession, CPUExecutionProvider, default graph optimizations, "
    "onnxruntime profiler node kernel times"
)
FUSED_OPS = {"FusedConv": "Conv", "FusedGemm": "Gemm", "FusedMatMul": "MatMul", "NhwcConv": "Conv"}
"""Kernels onnxruntime made by fusing, by the op of the node they run for."""
RUNTIME_OPS = frozenset({"ReorderInput", "ReorderOutput"})
"""Ops onnxruntime adds to the graph itself: layout reorders, credited to the kernel they serve."""
MAX_WALK = 4
"""How many nodes back from a fused kernel's output its own op may lie (Conv -> Add -> Relu)."""
_KERNEL = "_kernel_time"
_LAYOUT_SUFFIX = "_nchwc"
_FUSED_PREFIX = "fused "


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


@dataclass
class RuntimeGraph:
    """The graph onnxruntime runs (its saved rewrite): each node's outputs, and the reorder
    node that reads each tensor, to follow a kernel's output back into the model's tensors."""

    outputs: dict[str, list[str]]
    reordered: dict[str, list[str]]
    ops: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, list[str]] = field(default_factory=dict)

    @staticmethod
    def read(path: Path | None) -> RuntimeGraph:
        if path is None or not path.is_file():
            return RuntimeGraph({}, {})
        import onnx

        model = onnx.load(str(path), load_external_data=False)
        outputs, reordered, ops, inputs = {}, defaultdict(list), {}, {}
        for node in model.graph.node:
            outputs[node.name] = [o for o in node.output if o]
            ops[node.name], inputs[node.name] = node.op_type, [i for i in node.input if i]
            if node.op_type in RUNTIME_OPS:
                for tensor in node.input:
                    reordered[tensor] += [o for o in node.output if o]
        return RuntimeGraph(outputs, dict(reordered), ops, inputs)

    def neighbours(self, kernel: str) -> list[str]:
        """The kernels a reorder serves: for a ReorderInput those reading its output, for a
        ReorderOutput the one writing its input; other reorders skipped."""
        if self.ops.get(kernel) == "ReorderInput":
            wanted = set(self.outputs.get(kernel, ()))
            found = [name for name, read in self.inputs.items() if wanted.intersection(read)]
        else:
            wanted = set(self.inputs.get(kernel, ()))
            found = [name for name, wrote in self.outputs.items() if wanted.intersection(wrote)]
        return [name for name in found if self.ops.get(name) not in RUNTIME_OPS]

    def tensors_of(self, kernel: str) -> list[str]:
        """The kernel's output tensors, then what reorders make of them (NCHWc back to NCHW)."""
        found, frontier = [], list(self.outputs.get(kernel, ()))
        for _ in range(MAX_WALK):
            found += frontier
            frontier = [after for tensor in frontier for after in self.reordered.get(tensor, ())]
        return found


class KernelCredit:
    """Which graph node a kernel of the profile runs for (see the module docstring)."""

    def __init__(
        self, graph: ModelGraph, writers: Mapping[str, str], runtime: RuntimeGraph | None = None
    ) -> None:
        self.ops = {node.name: node.type for node in graph.layers}
        self.inputs = {node.name: list(node.inputs) for node in graph.layers}
        self.free = {node.name for node in graph.layers if node.priced_as == FREE}
        self.writers = writers
        self.runtime = runtime or RuntimeGraph({}, {})

    def __call__(self, kernel: str, op: str) -> str | None:
        if op in RUNTIME_OPS:
            served = self.runtime.neighbours(kernel)
            return self(served[0], self.runtime.ops[served[0]]) if served else None
        name = kernel.removeprefix(_FUSED_PREFIX)
        if name in self.ops:
            return name
        named = self._named_after(name)
        if named is not None:
            return named  # its own node, whatever op the fusion made of it
        start = self._start(name) or self._traced(kernel)
        if start is None:
            return None
        return self._walk(start, FUSED_OPS.get(op, op)) or start

    def _start(self, kernel: str) -> str | None:
        """The node the kernel's name says its output comes from: a node or a tensor."""
        stem = kernel.removesuffix(_LAYOUT_SUFFIX)
        if stem in self.ops:
            return stem
        if stem in self.writers:
            return self.writers[stem]
        return None

    def _named_after(self, kernel: str) -> str | None:
        """The node a fused kernel is named after ("/MatMul_1/MatMulAddFusion": "/MatMul_1"). It
        is the node itself: walking back from it for a Gemm could reach an earlier one."""
        parts = kernel.split("/")
        for end in range(len(parts) - 1, 1, -1):
            if "/".join(parts[:end]) in self.ops:
                return "/".join(parts[:end])
        return None

    def _traced(self, kernel: str) -> str | None:
        """The node that writes the first of the kernel's tensors the model itself has (some of
        which onnxruntime renames after the node that writes them)."""
        for tensor in self.runtime.tensors_of(kernel):
            if tensor in self.writers:
                return self.writers[tensor]
            if tensor in self.ops:
                return tensor
        return None

    def _walk(self, start: str, wanted: str) -> str | None:
        """The nearest node of op `wanted` at or behind `start`, within MAX_WALK priced nodes:
        free ones (a Cast to the type its input has, which Keras' torch-backend exports put
        around every op) are walked through without counting, or a Conv + Add + Relu fused
        behind two Casts each would be credited to its Relu."""
        frontier, seen = [start], set()
        for _ in range(MAX_WALK):
            following = []
            while frontier:
                name = frontier.pop()
                if name in seen:
                    continue
                seen.add(name)
                if self.ops.get(name) == wanted:
                    return name
                behind = [i for i in self.inputs.get(name, ()) if i in self.ops]
                frontier += [i for i in behind if i in self.free]
                following += [i for i in behind if i not in self.free]
            frontier = following
        return None


@dataclass
class KernelPasses:
    """Per profiled pass: each kernel's own time, the executor's time before each kernel (since
    the kernel before it, or since the pass began), and what the pass spent after its last
    kernel; and each kernel's op."""

    kernels: list[dict[str, float]]
    gaps: list[dict[str, float]]
    tails: list[float]
    ops: dict[str, str]

    def with_gaps(self, index: int) -> dict[str, float]:
        """Pass `index`'s kernels each with the gap before it: they add up to the pass, less
        its tail."""
        gaps = self.gaps[index]
        return {kernel: seconds + gaps.get(kernel, 0.0) for kernel, seconds in self.kernels[index].items()}


def kernel_passes(events: Sequence[Mapping[str, Any]], passes: int) -> KernelPasses:
    """The last `passes` runs of onnxruntime's profile (an earlier one allocated): per run, each
    kernel's time and the executor's time since the kernel before it (or since the run began),
    so that a run's kernels and gaps add up to the run; and each kernel's op."""
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
    own: list[dict[str, float]] = [defaultdict(float) for _ in runs]
    gaps: list[dict[str, float]] = [defaultdict(float) for _ in runs]
    tails = []
    ops: dict[str, str] = {}
    position = 0
    for index, (start, end) in enumerate(runs):
        cursor = start
        while position < len(kernels) and kernels[position][0] < start:
            position += 1
        while position < len(kernels) and kernels[position][0] <= end:
            ts, duration, kernel, event = kernels[position]
            own[index][kernel] += duration * 1e-6
            gaps[index][kernel] += max(ts - cursor, 0.0) * 1e-6
            ops[kernel] = str(event.get("args", {}).get("op_name", ""))
            cursor = max(cursor, ts + duration)
            position += 1
        tails.append(max(end - cursor, 0.0) * 1e-6)
    return KernelPasses(own, gaps, tails, ops)


def without_profiler_cost(
    kernels: Mapping[str, float], gaps: Mapping[str, float], tail: float, whole_s: float
) -> tuple[dict[str, float], float]:
    """A profiled pass's kernel times, each with its share of the executor's time, and its tail,
    less what profiling cost. The profiler writes an event after each kernel, so a profiled pass
    outlasts an unprofiled one (`whole_s`) by a cost per kernel spent between kernels (a small
    MLP's kernels took 128 us in all, its gaps 40 us, its unprofiled pass 133 us): that excess
    comes off the gaps and the tail in proportion to them; only what is left beyond them comes
    off the kernels, in proportion too, so no kernel is emptied and none keeps another's time.
    Returns each kernel's time and the tail."""
    between = sum(gaps.values()) + tail
    excess = sum(kernels.values()) + between - whole_s
    if excess <= 0:
        return {name: seconds + gaps.get(name, 0.0) for name, seconds in kernels.items()}, tail
    if excess <= between:
        keep = 1.0 - excess / between
        return {name: seconds + keep * gaps.get(name, 0.0) for name, seconds in kernels.items()}, keep * tail
    busy = sum(kernels.values())
    scale = max(whole_s, 0.0) / busy if busy > 0 else 0.0
    return {name: seconds * scale for name, seconds in kernels.items()}, 0.0


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
        rewritten = Path(folder) / "optimized.onnx"
        prefix = os.path.join(folder, "profile")
        profiled = session_for(path, threads=threads, profile_prefix=prefix, optimized_path=str(rewritten))
        profiled.run(None, feeds)  # its first pass allocates: not one of the profiled passes
        walls = []
        for _ in range(passes):
            start = time.perf_counter()
            profiled.run(None, feeds)
            walls.append(time.perf_counter() - start)
        events = json.loads(Path(profiled.end_profiling()).read_text())
        runtime = RuntimeGraph.read(rewritten)
    whole.add(forward, whole_seconds, after)
    timed = kernel_passes(events, passes)
    credit = KernelCredit(graph, tensor_writers(path, graph), runtime)
    layer_passes: list[dict[str, float]] = []
    overhead: list[float] = []
    uncredited: set[str] = set()
    profiler_cost: list[float] = []
    for index, profiled_tail in enumerate(timed.tails):
        own_s, gaps_s = timed.kernels[index], timed.gaps[index]
        kernels_s, tail = without_profiler_cost(own_s, gaps_s, profiled_tail, whole.seconds)
        profiled_s = sum(timed.with_gaps(index).values()) + profiled_tail
        profiler_cost.append(profiled_s - sum(kernels_s.values()) - tail)
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
    cost = statistics.median(profiler_cost)
    if cost > 0:
        notes.append(f"profiling cost {cost * 1e6:.0f} us a pass, taken off the time between its kernels")
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
