"""onnxruntime's profile read in context: every run's kernels add up to the run, and a kernel
onnxruntime fused or renamed is credited to the graph node it runs for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from energy_lint.graph import read_model
from tests.graph.onnx.builders import FLOAT, helper, save, weight

pytest.importorskip("onnxruntime")

from energy_lint.calibration import onnx_context


def residual_block(path: Path, channels: int = 16, side: int = 32) -> Path:
    """x -> Conv -> Add(x) -> Relu -> Conv -> Relu: what onnxruntime fuses into two kernels."""
    same = {"pads": [1, 1, 1, 1], "kernel_shape": [3, 3]}
    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", **same),
            helper.make_node("Add", ["c1", "x"], ["s"], name="add"),
            helper.make_node("Relu", ["s"], ["r1"], name="relu1"),
            helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="conv2", **same),
            helper.make_node("Relu", ["c2"], ["y"], name="relu2"),
        ],
        "block",
        [helper.make_tensor_value_info("x", FLOAT, [1, channels, side, side])],
        [helper.make_tensor_value_info("y", FLOAT, None)],
        [weight(n, *s) for n, s in (("w1", (channels, channels, 3, 3)), ("b1", (channels,)),
                                    ("w2", (channels, channels, 3, 3)), ("b2", (channels,)))],
    )  # fmt: skip
    return save(graph, path)


def test_a_fused_or_renamed_kernel_is_credited_to_the_node_of_its_op(tmp_path: Path) -> None:
    path = residual_block(tmp_path / "block.onnx")
    graph = read_model(path)
    credit = onnx_context.KernelCredit(graph, onnx_context.tensor_writers(path, graph))
    assert credit("conv2", "FusedConv") == "conv2"  # its own name
    assert credit("r1_nchwc", "Conv") == "conv1"  # named after the Relu's output, two nodes on
    assert credit("y_nchwc", "Conv") == "conv2"
    assert credit("s_nchwc", "Add") == "add"
    assert credit("ReorderOutput_0", "ReorderOutput") is None  # without the rewritten graph: untraceable
    assert credit("relu1_nchwc", "Conv") == "conv1"  # named after a node, not a tensor
    assert credit("nothing_we_know", "Conv") is None


def test_a_kernel_onnxruntime_named_itself_is_traced_through_its_rewritten_graph(tmp_path: Path) -> None:
    """A GELU fused into "Gelu_token_3" writes a tensor that a reorder turns into the model's
    `y`: the time goes to the node that writes `y`, as no node of op Gelu is near it."""
    path = residual_block(tmp_path / "block.onnx")
    graph = read_model(path)
    runtime = onnx_context.RuntimeGraph({"Gelu_token_3": ["t9"]}, {"t9": ["y"]})
    credit = onnx_context.KernelCredit(graph, onnx_context.tensor_writers(path, graph), runtime)
    assert credit("Gelu_token_3", "Gelu") == "relu2"
    assert onnx_context.KernelCredit(graph, {})("Gelu_token_3", "Gelu") is None  # without the rewrite


def dense_stack(path: Path, width: int = 256, batch: int = 8) -> Path:
    """x -> MatMul -> Add(bias) -> Relu -> MatMul -> Add(bias): two Dense layers as torch's
    exporter writes them, which onnxruntime runs as "[fused ]/mm1/MatMulAddFusion" Gemms."""
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w1"], ["m1"], name="/mm1"),
            helper.make_node("Add", ["m1", "b1"], ["a1"], name="/add1"),
            helper.make_node("Relu", ["a1"], ["r1"], name="/relu1"),
            helper.make_node("MatMul", ["r1", "w2"], ["m2"], name="/mm2"),
            helper.make_node("Add", ["m2", "b2"], ["y"], name="/add2"),
        ],
        "mlp",
        [helper.make_tensor_value_info("x", FLOAT, [batch, width])],
        [helper.make_tensor_value_info("y", FLOAT, None)],
        [weight(n, *s) for n, s in (("w1", (width, width)), ("b1", (width,)), ("w2", (width, width)),
                                    ("b2", (width,)))],
    )  # fmt: skip
    return save(graph, path)


def test_a_matmul_fused_with_its_bias_keeps_its_time(tmp_path: Path) -> None:
    path = dense_stack(tmp_path / "mlp.onnx")
    graph = read_model(path)
    credit = onnx_context.KernelCredit(graph, onnx_context.tensor_writers(path, graph))
    assert credit("fused /mm1/MatMulAddFusion", "FusedGemm") == "/mm1"
    assert credit("/mm2/MatMulAddFusion", "Gemm") == "/mm2"
    result = onnx_context.profile(path, graph, passes=6, whole_seconds=0.05, repeats=2, warmup_seconds=0.05)
    assert result.layer_s["/mm1"] > 0 and result.layer_s["/mm2"] > 0
    assert result.layer_s["/add1"] == 0  # absorbed into the Gemm
    assert not any("credited to no node" in note for note in result.notes)


def test_every_profiled_run_adds_up_and_the_convolutions_carry_the_time(tmp_path: Path) -> None:
    path = residual_block(tmp_path / "block.onnx")
    graph = read_model(path)
    result = onnx_context.profile(path, graph, passes=6, whole_seconds=0.05, repeats=2, warmup_seconds=0.05)
    assert result.passes == 6 and set(result.layer_s) == {n.name for n in graph.layers}
    assert result.layer_s["conv1"] > 0 and result.layer_s["conv2"] > 0
    assert result.whole_s > 0 and result.layers_total_s > 0


def test_a_runs_kernels_gaps_and_tail_are_its_whole_duration() -> None:
    """Two runs of three kernels with gaps between them: each kernel's own time, the gap before
    it, and the tail add up to the run."""
    events = [{"cat": "Session", "name": "model_run", "ts": start, "dur": 100} for start in (0, 1000, 2000)]
    for start in (0, 1000, 2000):
        for offset, name in ((5, "a"), (30, "b"), (60, "c")):
            events.append({"cat": "Node", "name": f"{name}_kernel_time", "ts": start + offset, "dur": 10,
                           "args": {"op_name": name.upper()}})  # fmt: skip
    timed = onnx_context.kernel_passes(json.loads(json.dumps(events)), passes=2)
    assert len(timed.kernels) == 2  # the first run allocated: dropped
    for index, (kernels, gaps, tail) in enumerate(zip(timed.kernels, timed.gaps, timed.tails, strict=True)):
        assert kernels == pytest.approx({"a": 10e-6, "b": 10e-6, "c": 10e-6})
        assert gaps == pytest.approx({"a": 5e-6, "b": 15e-6, "c": 20e-6})
        assert timed.with_gaps(index) == pytest.approx({"a": 15e-6, "b": 25e-6, "c": 30e-6})
        assert sum(kernels.values()) + sum(gaps.values()) + tail == pytest.approx(100e-6)
    assert timed.ops == {"a": "A", "b": "B", "c": "C"}


def test_what_profiling_cost_comes_off_the_time_between_kernels_first() -> None:
    """Kernels of 10, 1 and 1 us with 2 us before each and 2 us of tail (20 us profiled). The
    profiler's cost is spent between kernels: an unprofiled pass of 16 us takes half of every gap
    and of the tail, and leaves each kernel its own time; one of 12 us takes all of them, and one
    of 6 us takes the rest off the kernels in proportion, emptying none."""
    kernels = {"gemm": 10e-6, "add": 1e-6, "relu": 1e-6}
    gaps = {"gemm": 2e-6, "add": 2e-6, "relu": 2e-6}
    half, tail = onnx_context.without_profiler_cost(kernels, gaps, 2e-6, 16e-6)
    assert half == pytest.approx({"gemm": 11e-6, "add": 2e-6, "relu": 2e-6})
    assert tail == pytest.approx(1e-6)
    assert onnx_context.without_profiler_cost(kernels, gaps, 2e-6, 12e-6) == (pytest.approx(kernels), 0.0)
    scaled, tail = onnx_context.without_profiler_cost(kernels, gaps, 2e-6, 6e-6)
    assert scaled == pytest.approx({"gemm": 5e-6, "add": 0.5e-6, "relu": 0.5e-6})
    assert tail == 0.0
    slower = onnx_context.without_profiler_cost(kernels, gaps, 2e-6, 30e-6)  # no excess: as timed
    assert slower == (pytest.approx({"gemm": 12e-6, "add": 3e-6, "relu": 3e-6}), 2e-6)


def cast_wrapped_block(path: Path, channels: int = 16, side: int = 16) -> Path:
    """x -> Conv -> Transpose -> Cast -> Add(bias) -> Cast -> Cast -> Relu, as Keras' torch
    backend exports a Conv2D with a bias and a ReLU: every op wrapped in Casts to float32."""
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="/Conv", pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
        helper.make_node("Transpose", ["c"], ["t"], name="/Transpose", perm=[0, 2, 3, 1]),
        helper.make_node("Cast", ["t"], ["t1"], name="/Cast", to=FLOAT),
        helper.make_node("Add", ["t1", "b"], ["a"], name="/Add"),
        helper.make_node("Cast", ["a"], ["a1"], name="/Cast_1", to=FLOAT),
        helper.make_node("Cast", ["a1"], ["a2"], name="/Cast_2", to=FLOAT),
        helper.make_node("Relu", ["a2"], ["y"], name="/Relu"),
    ]
    graph = helper.make_graph(
        nodes,
        "keras",
        [helper.make_tensor_value_info("x", FLOAT, [1, channels, side, side])],
        [helper.make_tensor_value_info("y", FLOAT, None)],
        [weight("w", channels, channels, 3, 3), weight("b", channels)],
    )
    return save(graph, path)


def test_a_fused_convolution_is_walked_back_to_through_free_casts(tmp_path: Path) -> None:
    """onnxruntime fuses the Conv, its bias and its ReLU and names the kernel after the ReLU's
    output: the Conv is six nodes back but three priced ones (Relu, Add, Transpose), and the
    Casts between them are free. Counting the Casts, the walk stopped at four and the ReLU took
    the convolution's time (calibration/cpu-epyc-2core-ort: rand-cnn-0005's first Conv at 0 s,
    its ReLU at 2.4 ms)."""
    path = cast_wrapped_block(tmp_path / "keras.onnx")
    graph = read_model(path)
    credit = onnx_context.KernelCredit(graph, onnx_context.tensor_writers(path, graph))
    assert credit("y_nchwc", "Conv") == "/Conv"
    assert credit("y_nchwc", "Relu") == "/Relu"  # a kernel of the Relu's own op stays its own


def test_a_kernel_named_after_a_node_is_that_nodes_even_with_a_gemm_behind_it(tmp_path: Path) -> None:
    """x -> Gemm -> Relu -> MatMul -> Add: onnxruntime's "/mm/MatMulAddFusion" runs as a Gemm,
    and the Gemm two nodes behind must not take its time."""
    width = 64
    graph = helper.make_graph(
        [
            helper.make_node("Gemm", ["x", "w1", "b1"], ["g"], name="/gemm"),
            helper.make_node("Relu", ["g"], ["r"], name="/relu"),
            helper.make_node("MatMul", ["r", "w2"], ["m"], name="/mm"),
            helper.make_node("Add", ["m", "b2"], ["y"], name="/add"),
        ],
        "gemm_then_matmul",
        [helper.make_tensor_value_info("x", FLOAT, [4, width])],
        [helper.make_tensor_value_info("y", FLOAT, None)],
        [weight(n, *s) for n, s in (("w1", (width, width)), ("b1", (width,)), ("w2", (width, width)),
                                    ("b2", (width,)))],
    )  # fmt: skip
    path = save(graph, tmp_path / "gemm_then_matmul.onnx")
    read = read_model(path)
    credit = onnx_context.KernelCredit(read, onnx_context.tensor_writers(path, read))
    assert credit("/mm/MatMulAddFusion", "Gemm") == "/mm"


def test_a_layout_reorder_is_credited_to_the_convolution_it_serves(tmp_path: Path) -> None:
    """onnxruntime runs the block's convolutions in its blocked NCHWc layout, with a ReorderInput
    before the first and a ReorderOutput after the last: their time is those convolutions'."""
    import os

    from energy_lint.calibration.onnx_backend import random_feeds, session_for

    path = residual_block(tmp_path / "block.onnx")
    graph = read_model(path)
    rewritten = tmp_path / "optimized.onnx"
    session = session_for(path, 1, os.path.join(tmp_path, "profile"), str(rewritten))
    feeds = random_feeds(session, graph)
    for _ in range(3):
        session.run(None, feeds)
    timed = onnx_context.kernel_passes(json.loads(Path(session.end_profiling()).read_text()), 2)
    runtime = onnx_context.RuntimeGraph.read(rewritten)
    reorders = {k: op for k, op in timed.ops.items() if op in onnx_context.RUNTIME_OPS}
    assert set(reorders.values()) == {"ReorderInput", "ReorderOutput"}
    credit = onnx_context.KernelCredit(graph, onnx_context.tensor_writers(path, graph), runtime)
    served = {kernel: credit(kernel, op) for kernel, op in reorders.items()}
    assert set(served.values()) == {"conv1", "conv2"}  # every reorder credited to a convolution
    reading_x = [k for k in reorders if runtime.inputs[k] == ["x"]]
    writing_y = [k for k in reorders if runtime.outputs[k] == ["y"]]
    assert [served[k] for k in reading_x + writing_y] == ["conv1", "conv2"]
    assert onnx_context.KernelCredit(graph, {})(next(iter(reorders)), "ReorderInput") is None  # no rewrite
