"""How much of a real onnxruntime pass the in-context calibration credits to no graph node.

Each model runs a few passes in onnxruntime with its profiler on (batch 1, one thread); the
last pass's kernels are credited as `calibrate --in-context` credits them
(energy_lint/calibration/onnx_context.py), and what no node takes is printed with the five
largest such kernels. Layout reorders onnxruntime adds itself are credited to the convolution
they serve. No energy here, only shares of kernel time.

    python calibration/export_onnx_models.py          # the models, into calibration/onnx-models
    PYTHONPATH=. .venv-test/bin/python benchmarks/onnx_credit.py rand-mlp-0000 rand-cnn-0000 resnet18-224
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from energy_lint.calibration.onnx_backend import random_feeds, session_for
from energy_lint.calibration.onnx_context import KernelCredit, RuntimeGraph, kernel_passes, tensor_writers
from energy_lint.graph import read_model

MODELS = Path("calibration") / "onnx-models"


def uncredited(path: Path) -> tuple[float, list[str]]:
    """(share of the last pass's kernel time credited to no node, the largest such kernels)."""
    graph = read_model(path, batch_size=1)
    with tempfile.TemporaryDirectory() as folder:
        rewritten = Path(folder) / "optimized.onnx"
        session = session_for(path, 1, os.path.join(folder, "profile"), str(rewritten))
        feeds = random_feeds(session, graph)
        for _ in range(3):
            session.run(None, feeds)
        events = json.loads(Path(session.end_profiling()).read_text())
        runtime = RuntimeGraph.read(rewritten)
    timed = kernel_passes(events, 2)
    credit = KernelCredit(graph, tensor_writers(path, graph), runtime)
    last = timed.kernels[-1]
    lost = {kernel: s for kernel, s in last.items() if credit(kernel, timed.ops[kernel]) is None}
    return sum(lost.values()) / sum(last.values()), sorted(lost, key=lost.__getitem__)[-5:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", help=f"model ids, files {MODELS}/ID.onnx")
    options = parser.parse_args()
    for model in options.models:
        share, largest = uncredited(MODELS / f"{model}.onnx")
        names = ", ".join(largest) or "-"
        print(f"{model}: {share:.1%} of kernel time credited to no node; largest: {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
