"""What a layer pays for the pass around it: the same batch-1 Gemm timed by onnxruntime's profiler
alone, and after ops that sweep a tensor of a given size through the cache (a Relu and a
ReduceMean, as a CNN's last block and its global pooling). A small model's pass leaves the Gemm's
weights in the last-level cache for the next pass; a large one's evicts them, and the Gemm then
reads them from memory with a latency its bytes alone do not show. This is why the dense,
activation, element-wise, normalization and reshaping features include what one pass of the whole
model moves (estimation/features.py, with_model_traffic).

    python benchmarks/cache_reuse.py --runs 200 --write

Builds its models in memory with the onnx helper; runs each on the CPU execution provider with
two intra-op threads, as calibrate does (calibration/onnx_backend.py), and reports the median
kernel time of the Gemm over the runs after the first 20.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

import numpy as np
import onnx
from _common import machine, machine_lines, markdown_table, write_section
from onnx import helper, numpy_helper

from energy_lint.calibration.onnx_backend import session_for

WARM_UP = 20
CHANNELS = 64


def gemm_model(width: int, sweep_mib: float) -> tuple[bytes, list[int]]:
    """A width x width Gemm on one vector; before it, with `sweep_mib` > 0, a Relu over a
    (1, 64, n, n) tensor of that size and a ReduceMean down to (1, 64), padded to `width`."""
    rng = np.random.default_rng(0)
    initializers = [
        numpy_helper.from_array(rng.standard_normal((width, width)).astype(np.float32), "w"),
        numpy_helper.from_array(np.zeros(width, np.float32), "b"),
    ]
    nodes, source = [], "x"
    shape = [1, width]
    if sweep_mib > 0:
        side = max(1, int((sweep_mib * 2**20 / 4 / CHANNELS) ** 0.5))
        shape = [1, CHANNELS, side, side]
        pads = np.array([0, 0, 0, width - CHANNELS], np.int64)  # the 64 means, zeros after
        initializers.append(numpy_helper.from_array(pads, "pads"))
        nodes += [
            helper.make_node("Relu", ["x"], ["r"]),
            helper.make_node("ReduceMean", ["r"], ["m"], axes=[2, 3], keepdims=0),
            helper.make_node("Pad", ["m", "pads"], ["v"]),
        ]
        source = "v"
    nodes.append(helper.make_node("Gemm", [source, "w", "b"], ["y"], name="gemm"))
    graph = helper.make_graph(
        nodes,
        "reuse",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, width])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    return model.SerializeToString(), shape


def gemm_microseconds(width: int, sweep_mib: float, runs: int, folder: Path) -> float:
    """Median kernel time of the Gemm over `runs` profiled runs after the warm-up."""
    data, shape = gemm_model(width, sweep_mib)
    path = folder / f"gemm-{width}-{sweep_mib:g}.onnx"
    path.write_bytes(data)
    session = session_for(path, threads=2, profile_prefix=str(folder / path.stem))
    feed = {"x": np.random.default_rng(1).standard_normal(shape).astype(np.float32)}
    for _ in range(runs):
        session.run(None, feed)
    events = json.loads(Path(session.end_profiling()).read_text())
    times = [e["dur"] for e in events if e.get("cat") == "Node" and e["name"] == "gemm_kernel_time"]
    return float(statistics.median(times[WARM_UP:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--widths", type=int, nargs="+", default=[100, 320, 1024])
    parser.add_argument("--sweeps", type=float, nargs="+", default=[0, 1, 8, 32, 128], help="MiB")
    parser.add_argument("--write", action="store_true", help="write the cache-reuse section of RESULTS.md")
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for width in options.widths:
            times = [gemm_microseconds(width, sweep, options.runs, Path(folder)) for sweep in options.sweeps]
            label = f"{width} x {width} ({4 * width * width / 1024:.0f} KiB)"
            rows.append([label, *(f"{t:.0f}" for t in times)])
    header = ["Gemm weights", *(f"after {s:g} MiB" if s else "alone" for s in options.sweeps)]
    table = markdown_table(header, rows, right=range(1, len(header)))
    print(table)
    if options.write:
        body = "\n".join(
            [
                "## Cache reuse: one batch-1 Gemm after passes of different sizes (onnxruntime, us)",
                "",
                *machine_lines(machine()),
                f"- Command: `python benchmarks/cache_reuse.py --runs {options.runs} --write`",
                "- Median kernel time of the Gemm (onnxruntime profiler), microseconds, 2 intra-op"
                " threads; 'after N MiB': behind a Relu and a ReduceMean over an N MiB tensor.",
                "",
                table,
            ]
        )
        print(f"wrote {write_section('cache-reuse', body)}")


if __name__ == "__main__":
    main()
