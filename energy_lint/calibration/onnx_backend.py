"""Run an .onnx model with onnxruntime (CPU execution provider) for `measure`, and time every
node in context with onnxruntime's own profiler (enable_profiling): the node's kernel as it runs
inside the whole model, with its real neighbours, caches and threads."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import EnergyLintError, first_line
from ..graph import ModelGraph, read_model

PROVIDER = "CPUExecutionProvider"
_NUMPY_TYPES = {
    "tensor(float)": "float32",
    "tensor(float16)": "float16",
    "tensor(double)": "float64",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(int8)": "int8",
    "tensor(uint8)": "uint8",
    "tensor(bool)": "bool",
}


def session_for(
    path: Path,
    threads: int | None = None,
    profile_prefix: str | None = None,
    optimized_path: str | None = None,
) -> Any:
    """An onnxruntime session on the CPU execution provider: `threads` intra-op threads (None:
    onnxruntime's choice) and one inter-op, sequential; profiling on with a file prefix; the graph
    as onnxruntime rewrote it saved to `optimized_path` (its weights beside it, in a file of
    their own), which names the nodes its profile times."""
    try:
        import onnxruntime
    except ImportError:
        raise EnergyLintError("measuring an .onnx model needs onnxruntime: pip install onnxruntime") from None
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: its opset warnings are not the user's problem
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    if optimized_path is not None:
        options.optimized_model_filepath = optimized_path
        options.add_session_config_entry(
            "session.optimized_model_external_initializers_file_name", Path(optimized_path).name + ".weights"
        )
    try:
        return onnxruntime.InferenceSession(str(path), options, providers=[PROVIDER])
    except Exception as error:  # onnxruntime raises its own Fail/InvalidGraph errors
        raise EnergyLintError(f"{path}: onnxruntime cannot load it ({first_line(error)})") from None


def random_feeds(session: Any, graph: ModelGraph) -> dict[str, Any]:
    """Inputs of the shapes energy-lint inferred (batch and --input-shape applied): integers
    zero (indices, lengths), floats standard normal."""
    import numpy as np

    rng = np.random.default_rng(0)
    feeds = {}
    for meta, shape in zip(session.get_inputs(), graph.input_shapes, strict=True):
        if shape is None:
            raise EnergyLintError(f"input '{meta.name}' has no known shape: pass --input-shape")
        dtype = _NUMPY_TYPES.get(meta.type)
        if dtype is None:
            raise EnergyLintError(f"input '{meta.name}' is of type {meta.type}, which measure cannot make")
        if dtype.startswith("float"):
            feeds[meta.name] = rng.standard_normal(shape).astype(dtype)
        else:
            feeds[meta.name] = np.zeros(shape, dtype=dtype)
    return feeds


def forward_pass(
    path: Path, batch_size: int, input_shapes: tuple[tuple[int, ...], ...]
) -> tuple[ModelGraph, Callable[[], Any], str]:
    """The graph energy-lint read, one forward pass of one batch, and onnxruntime's version."""
    import onnxruntime

    graph = read_model(path, batch_size, input_shapes)
    session = session_for(path)
    feeds = random_feeds(session, graph)
    return graph, lambda: session.run(None, feeds), onnxruntime.__version__


def node_times(
    path: Path, batch_size: int, input_shapes: tuple[tuple[int, ...], ...], runs: int = 20
) -> list[dict[str, Any]]:
    """Each node's median kernel time over `runs` passes (after one warm-up pass), from
    onnxruntime's profiler: [{"name", "op", "median_us", "share"}], in run order. Names are
    onnxruntime's, which keeps the ONNX node names (fused nodes are named by onnxruntime)."""
    graph = read_model(path, batch_size, input_shapes)
    with tempfile.TemporaryDirectory(prefix="energy-lint-ort-") as folder:
        session = session_for(path, profile_prefix=os.path.join(folder, "profile"))
        feeds = random_feeds(session, graph)
        session.run(None, feeds)
        for _ in range(runs):
            session.run(None, feeds)
        events = json.loads(Path(session.end_profiling()).read_text())
    durations: dict[str, list[float]] = defaultdict(list)
    ops: dict[str, str] = {}
    order: list[str] = []
    for event in events:
        if event.get("cat") != "Node" or not str(event.get("name", "")).endswith("_kernel_time"):
            continue
        name = event["name"][: -len("_kernel_time")]
        if name not in ops:
            order.append(name)
        ops[name] = event.get("args", {}).get("op_name", "")
        durations[name].append(float(event.get("dur", 0)))
    # The first pass (warm-up) ran before the others: drop each node's first event.
    medians = {n: statistics.median(d[1:] or d) for n, d in durations.items()}
    total = sum(medians.values()) or 1.0
    return [{"name": n, "op": ops[n], "median_us": medians[n], "share": medians[n] / total} for n in order]
