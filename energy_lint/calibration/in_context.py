"""Time every layer inside the running whole model: the model is called in a `tf.function`
(XLA off, the path a served Keras model takes), TensorFlow's profiler records each op's self
time, and each op is given to the layer whose name scope it ran under. One profiled run of a
model gives a row per layer with fusion, caching and dispatch as they are in the whole model.

The whole model's time per pass is measured apart, without the profiler: every pass timed with
perf_counter, the median pass of each window, the median over windows taken half before and half
after the profiled passes (so drift on a shared machine shows in the spread). What the layers do
not account for (Python and executor dispatch, ops under no layer) is the model's overhead,
reported, not spread over the layers."""

from __future__ import annotations

import re
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..graph import LayerNode, ModelGraph
from .keras_backend import quiet_native_stderr
from .op_trace import PASS_EVENT, read_trace

EXECUTION_PATH = (
    "keras model called in tf.function, XLA off (jit_compile=False), TensorFlow profiler op self times"
)
OVERHEAD = "overhead"
_COMPUTE_TYPES = {
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3DTranspose",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "SeparableConv1D",
    "SeparableConv2D",
    "Dense",
    "EinsumDense",
}
"""Layers whose op a fused kernel (conv or matmul + bias + activation, named after the last
layer it absorbed) really belongs to."""
_SUFFIX = re.compile(r"^(.*)_(\d+)$")


@dataclass
class Threads:
    intra_op: int
    inter_op: int

    def describe(self) -> str:
        return f"intra-op {self.intra_op}, inter-op {self.inter_op}"


def set_threads(intra_op: int = 2, inter_op: int = 1) -> Threads:
    """Fix TensorFlow's thread pools before the runtime starts; once it has, keep and report
    what it runs with (0 means TensorFlow's own choice)."""
    with quiet_native_stderr():
        import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(intra_op)
        tf.config.threading.set_inter_op_parallelism_threads(inter_op)
    except RuntimeError:
        pass
    return Threads(
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
    )


@dataclass
class ContextProfile:
    """One model at one batch size, profiled in context."""

    layer_s: dict[str, float]
    """Median self seconds per pass of each layer (graph names) over the profiled passes, as
    the profiler saw them (see `seconds` for the time a row gets)."""
    layer_spread: dict[str, float]
    overhead_s: float
    """Median seconds per pass of ops under no layer's scope."""
    whole_s: float
    """Median seconds per pass of the whole model without the profiler."""
    whole_spread: float
    """(max - min) / median of the windows' median pass times (half before, half after the
    profiled passes)."""
    profiled_pass_s: float
    """Median wall seconds of one pass under the profiler."""
    passes: int
    repeats: int
    whole_passes: int
    notes: list[str] = field(default_factory=list)

    @property
    def scale(self) -> float:
        """Unprofiled over profiled pass time (reported: on a quiet machine the profiler's cost
        sits outside the ops, so the layer times are not scaled by it)."""
        return self.whole_s / self.profiled_pass_s if self.profiled_pass_s else 1.0

    def seconds(self, layer: str) -> float:
        """A layer's time in a pass: its ops' self time and the executor's idle time before
        each of them, median over the profiled passes."""
        return self.layer_s[layer]

    @property
    def layers_total_s(self) -> float:
        return sum(self.layer_s.values())

    @property
    def dispatch_s(self) -> float:
        """What no layer accounts for: Python and executor dispatch, ops under no layer."""
        return self.whole_s - self.layers_total_s

    @property
    def gap(self) -> float:
        """(sum of the layer rows - whole) / whole: how far the rows are from adding up."""
        return (self.layers_total_s - self.whole_s) / self.whole_s

    @property
    def raw_gap(self) -> float:
        """The same without the profiler scaling: raw self times against the unprofiled whole."""
        return (sum(self.layer_s.values()) - self.whole_s) / self.whole_s

    @property
    def profiler_overhead(self) -> float:
        """How much slower a pass runs under the profiler."""
        return self.profiled_pass_s / self.whole_s - 1.0


def make_pass(keras: Any, model: Any, inputs: Any) -> Callable[[], Any]:
    """One forward pass in a tf.function that returns only when the result is on the host."""
    import tensorflow as tf

    tensors = keras.tree.map_structure(tf.constant, inputs)
    call = tf.function(lambda x: model(x, training=False), jit_compile=False)
    return lambda: call(tensors)


TRAINING_STEP = "Adam optimizer, mean squared error loss (in-context step: forward, backward, update)"
GRADIENT_SCOPE = "gradient_tape"
"""TensorFlow names a backward op after the forward op it differentiates, under this scope:
"gradient_tape/model/conv/Conv2DBackpropInput" belongs to layer "conv"."""


def make_train_step(keras: Any, model: Any, inputs: Any, targets: Any) -> Callable[[], Any]:
    """One training step (forward in training mode, mean squared error, gradients, an Adam
    update) in a tf.function, XLA off, as Keras' own fit runs it on this path: every op keeps its
    layer's name scope, so a layer's row holds its forward and backward time. The optimizer's
    update ops run under no layer: they are the model's overhead, in its whole-model row."""
    import tensorflow as tf

    tensors = keras.tree.map_structure(tf.constant, inputs)
    expected = keras.tree.map_structure(tf.constant, targets)
    optimizer = keras.optimizers.Adam()
    loss = keras.losses.MeanSquaredError()
    variables = model.trainable_variables
    optimizer.build(variables)

    @tf.function(jit_compile=False)
    def step(x: Any, y: Any) -> Any:
        with tf.GradientTape() as tape:
            value = loss(y, model(x, training=True))
        optimizer.apply(tape.gradient(value, variables), variables)
        return value

    return lambda: step(tensors, expected)


def _finish(outputs: Any) -> None:
    """Wait for a pass: read back every TensorFlow output (onnxruntime returns numpy arrays,
    already done)."""
    for tensor in outputs if isinstance(outputs, (list, tuple)) else [outputs]:
        if hasattr(tensor, "numpy"):
            tensor.numpy()


@dataclass
class WholeTiming:
    """Per-pass times of the whole model, gathered in windows."""

    window_medians: list[float] = field(default_factory=list)
    passes: int = 0

    def add(self, forward: Callable[[], Any], min_seconds: float, repeats: int) -> None:
        """`repeats` windows of at least `min_seconds` (3 passes at least), each pass timed on
        its own: a window's median is robust to a pass the machine took away (a preemption,
        a neighbour's burst), which a window's mean is not."""
        for _ in range(repeats):
            times: list[float] = []
            end = time.perf_counter() + min_seconds
            while len(times) < 3 or time.perf_counter() < end:
                start = time.perf_counter()
                _finish(forward())
                times.append(time.perf_counter() - start)
            self.window_medians.append(statistics.median(times))
            self.passes += len(times)

    @property
    def seconds(self) -> float:
        """The median over the windows of each window's median pass time."""
        return statistics.median(self.window_medians)

    @property
    def spread(self) -> float:
        """(max - min) / median of the windows' medians."""
        return (max(self.window_medians) - min(self.window_medians)) / self.seconds


def warm_up_and_time(
    forward: Callable[[], Any], warmup_seconds: float, whole_seconds: float, repeats: int
) -> tuple[WholeTiming, int]:
    """Run `forward` for `warmup_seconds` (once at least: a first pass traces or allocates),
    then time the first half of the `repeats` whole-pass windows; the windows left for after
    the profiled passes."""
    deadline = time.perf_counter() + warmup_seconds
    _finish(forward())
    while time.perf_counter() < deadline:
        _finish(forward())
    whole = WholeTiming()
    before = (repeats + 1) // 2
    whole.add(forward, whole_seconds, before)
    return whole, repeats - before


def layer_medians(
    names: Iterable[str], per_pass: list[dict[str, float]]
) -> tuple[dict[str, float], dict[str, float]]:
    """Each layer's median seconds over the profiled passes (0 where it never ran) and its
    spread, (max - min) / median."""
    layer_s, spread = {}, {}
    for name in names:
        values = [p.get(name, 0.0) for p in per_pass]
        layer_s[name] = statistics.median(values) if values else 0.0
        spread[name] = (max(values) - min(values)) / layer_s[name] if layer_s[name] else 0.0
    return layer_s, spread


def time_whole(forward: Callable[[], Any], min_seconds: float, repeats: int) -> tuple[float, float, int]:
    """(median seconds per pass, spread over the windows, passes timed): see WholeTiming."""
    timing = WholeTiming()
    timing.add(forward, min_seconds, repeats)
    return timing.seconds, timing.spread, timing.passes


def profile(
    keras: Any,
    model: Any,
    graph: ModelGraph,
    inputs: Any,
    *,
    passes: int = 20,
    profile_seconds: float = 4.0,
    warmup_seconds: float = 0.5,
    whole_seconds: float = 0.4,
    repeats: int = 6,
    step: Callable[[], Any] | None = None,
    scopes: Callable[[], Any] | None = None,
) -> ContextProfile:
    """Profile `model` (built from the file `graph` was read from) on `inputs`: up to `passes`
    passes under the profiler, fewer (5 at least) where they would take over `profile_seconds`.
    `step` profiles that instead of a forward pass (make_train_step: a training step); `scopes`
    makes the op -> node map where the graph's names are not the model's (else LayerScopes)."""
    import tensorflow as tf

    forward = step or make_pass(keras, model, inputs)
    whole, after = warm_up_and_time(forward, warmup_seconds, whole_seconds, repeats)  # traces it first
    passes = max(5, min(passes, int(profile_seconds / whole.seconds)))
    logdir = Path(tempfile.mkdtemp(prefix="energy-lint-trace-"))
    try:
        with quiet_native_stderr():  # the profiler's C++ side logs as it starts
            tf.profiler.experimental.start(str(logdir))
        try:
            for index in range(passes):
                with tf.profiler.experimental.Trace(PASS_EVENT, step_num=index, _r=1):
                    _finish(forward())
        finally:
            tf.profiler.experimental.stop()
        trace = read_trace(logdir)
    finally:
        shutil.rmtree(logdir, ignore_errors=True)
    whole.add(forward, whole_seconds, after)  # half after: drift shows as spread
    attribute = scopes() if scopes else LayerScopes(graph, model.name)
    attribute.learn((op, trace.op_types.get(op, "")) for ops in trace.passes for op in ops)
    per_pass: list[dict[str, float]] = []
    for ops in trace.passes:
        totals: dict[str, float] = defaultdict(float)
        for op, seconds in ops.items():
            totals[attribute(op, trace.op_types.get(op, ""))] += seconds
        per_pass.append(totals)
    layer_s, spread = layer_medians((n.name for n in graph.layers if n.type != "InputLayer"), per_pass)
    overhead = [p.get(OVERHEAD, 0.0) for p in per_pass]
    return ContextProfile(
        layer_s=layer_s,
        layer_spread=spread,
        overhead_s=statistics.median(overhead) if overhead else 0.0,
        whole_s=whole.seconds,
        whole_spread=whole.spread,
        profiled_pass_s=statistics.median(trace.pass_wall_s) if trace.pass_wall_s else 0.0,
        passes=len(per_pass),
        repeats=len(whole.window_medians),
        whole_passes=whole.passes,
        notes=attribute.notes(),
    )


class ScopeMap:
    """An op -> layer map that resolves each (op, type) once: a trace repeats every op once per
    profiled pass. Subclasses say how in `_resolve`."""

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    def __call__(self, op: str, op_type: str) -> str:
        key = f"{op}:{op_type}"
        if key not in self.cache:
            self.cache[key] = self._resolve(op, op_type)
        return self.cache[key]

    def _resolve(self, op: str, op_type: str) -> str:
        raise NotImplementedError


class LayerScopes(ScopeMap):
    """Map an op's name ("model_1/block_1_1/conv_1/convolution") to the graph's layer name
    ("block_1/conv" for a nested model's layer, "conv@1" for a shared layer's second call), or
    OVERHEAD for ops under no layer. TensorFlow makes a scope unique by a "_N" suffix; whether
    this trace's scopes carry one is read off the model's own scope."""

    def __init__(self, graph: ModelGraph, model_name: str) -> None:
        super().__init__()
        self.nodes = {node.name: node for node in graph.layers}
        self.prefixes = {
            "/".join(parts[:end])
            for parts in (n.split("/") for n in self.nodes)
            for end in range(1, len(parts))
        }
        self.model_name = model_name
        self.suffixed: bool | None = None
        self.calls: dict[str, list[str]] = defaultdict(list)
        self.fused_moved = 0

    def learn(self, ops: Iterable[tuple[str, str]]) -> None:
        """See every scope of the trace before naming any: the executor may run a shared
        layer's second call first, and a call's index comes from the order of all its scopes'
        suffixes, not from the order they were met in."""
        for op, op_type in ops:
            self._resolve(op, op_type)
        self.cache.clear()
        self.fused_moved = 0

    def _resolve(self, op: str, op_type: str) -> str:
        parts = op.split("/")
        if parts[0] == GRADIENT_SCOPE:
            parts = parts[1:]
        if self.suffixed is None and self.model_name in (parts[0], _strip(parts[0])):
            self.suffixed = parts[0] != self.model_name  # read off the model's own scope, not an optimizer's
        if len(parts) < 2 or self._base(parts[0]) != self.model_name:
            return OVERHEAD
        found, path = None, ""
        for raw in parts[1:-1]:
            candidate = path + self._call_name(path, raw)
            if candidate in self.nodes:
                found = candidate
            if candidate in self.prefixes:
                path = candidate + "/"
                continue
            break
        if found is None:
            return OVERHEAD
        if "Fused" in op_type:
            owner = self._compute_owner(found)
            if owner != found:
                self.fused_moved += 1
                return owner
        return found

    def _base(self, raw: str) -> str:
        return _strip(raw) if self.suffixed else raw

    def _call_name(self, path: str, raw: str) -> str:
        """The layer (and call) a scope stands for: the n-th distinct scope of a shared layer,
        in the order the calls' suffixes run, is its n-th call."""
        base = self._base(raw)
        shared = path + base + "@1"
        if shared not in self.nodes and shared not in self.prefixes:
            return base
        seen = self.calls[path + base]
        if raw not in seen:
            seen.append(raw)
            seen.sort(key=lambda s: int(_SUFFIX.match(s).group(2)) if _SUFFIX.match(s) else -1)
        index = seen.index(raw)
        return base + (f"@{index}" if index else "")

    def _compute_owner(self, name: str) -> str:
        """The conv or dense layer a fused kernel named after `name` started from: walk back
        over single-input layers (bias, batch norm, activation) to it."""
        node: LayerNode | None = self.nodes[name]
        for _ in range(4):
            if node is None or node.type in _COMPUTE_TYPES:
                break
            if len(node.inputs) != 1:
                return name
            node = self.nodes.get(node.inputs[0])
        return node.name if node is not None and node.type in _COMPUTE_TYPES else name

    def notes(self) -> list[str]:
        if not self.fused_moved:
            return []
        return [f"{self.fused_moved} fused kernel(s) given to the conv/dense layer they start from"]


def _strip(raw: str) -> str:
    match = _SUFFIX.match(raw)
    return match.group(1) if match else raw
