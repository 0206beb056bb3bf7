"""Layout transposes that undo each other around element-wise ops are read as free; any other
transpose keeps its price."""

from __future__ import annotations

from pathlib import Path

from energy_lint.graph import read_model
from tests.graph.onnx.builders import FLOAT, helper, save, weight

TO_NCHW, TO_NHWC = [0, 3, 1, 2], [0, 2, 3, 1]


def keras_convolutions(path: Path, middle: list, extra_inputs: tuple = ()) -> Path:
    """NHWC x -> Transpose -> Conv -> Transpose -> `middle` -> Transpose -> Conv -> Transpose:
    two Conv2D layers as Keras' torch backend exports them, `middle` between them writing `m`."""
    same = {"pads": [1, 1, 1, 1], "kernel_shape": [3, 3]}
    nodes = [
        helper.make_node("Transpose", ["x"], ["t0"], name="in", perm=TO_NCHW),
        helper.make_node("Conv", ["t0", "w1"], ["c1"], name="conv1", **same),
        helper.make_node("Transpose", ["c1"], ["t1"], name="out1", perm=TO_NHWC),
        *middle,
        helper.make_node("Transpose", ["m"], ["t2"], name="in2", perm=TO_NCHW),
        helper.make_node("Conv", ["t2", "w2"], ["c2"], name="conv2", **same),
        helper.make_node("Transpose", ["c2"], ["y"], name="out", perm=TO_NHWC),
    ]
    graph = helper.make_graph(
        nodes,
        "keras",
        [helper.make_tensor_value_info("x", FLOAT, [1, 8, 8, 4]), *extra_inputs],
        [helper.make_tensor_value_info("y", FLOAT, None)],
        [weight("w1", 4, 4, 3, 3), weight("w2", 4, 4, 3, 3), weight("b", 4)],
    )
    return save(graph, path)


def priced(path: Path) -> set[str]:
    return {n.name for n in read_model(path).layers if n.type == "Transpose" and n.priced_as != "Identity"}


def test_a_transpose_undone_after_a_bias_cast_and_relu_is_free(tmp_path: Path) -> None:
    middle = [
        helper.make_node("Cast", ["t1"], ["k"], name="cast", to=FLOAT),
        helper.make_node("Add", ["k", "b"], ["a"], name="bias"),
        helper.make_node("Relu", ["a"], ["m"], name="relu"),
    ]
    path = keras_convolutions(tmp_path / "keras.onnx", middle)
    assert priced(path) == {"in", "out"}  # the model's own layout changes stay
    free = {n.name: n for n in read_model(path).layers}["out1"]
    assert free.macs == 0 and "not priced" in (free.note or "")


def test_a_residual_of_two_transposed_tensors_cancels_as_a_group(tmp_path: Path) -> None:
    """out1's tensor meets itself (a skip connection): one region, one start, one end."""
    middle = [
        helper.make_node("Relu", ["t1"], ["r"], name="relu"),
        helper.make_node("Add", ["r", "t1"], ["m"], name="skip"),
    ]
    assert priced(keras_convolutions(tmp_path / "skip.onnx", middle)) == {"in", "out"}


def test_a_transpose_before_a_reduction_or_another_layout_keeps_its_price(tmp_path: Path) -> None:
    reduce = [helper.make_node("ReduceMean", ["t1"], ["m"], name="mean", axes=[3], keepdims=1)]
    assert priced(keras_convolutions(tmp_path / "reduce.onnx", reduce)) == {"in", "out", "out1", "in2"}
    other = helper.make_tensor_value_info("z", FLOAT, [1, 8, 8, 4])
    mixed = [helper.make_node("Add", ["t1", "z"], ["m"], name="add")]  # z was never transposed
    mixed_path = keras_convolutions(tmp_path / "mixed.onnx", mixed, (other,))
    assert priced(mixed_path) == {"in", "out", "out1", "in2"}


def test_a_transpose_whose_tensor_leaves_the_graph_keeps_its_price(tmp_path: Path) -> None:
    graph = helper.make_graph(
        [
            helper.make_node("Transpose", ["x"], ["t"], name="there", perm=TO_NCHW),
            helper.make_node("Relu", ["t"], ["r"], name="relu"),
            helper.make_node("Transpose", ["r"], ["y"], name="back", perm=TO_NHWC),
        ],
        "leak",
        [helper.make_tensor_value_info("x", FLOAT, [1, 8, 8, 4])],
        [helper.make_tensor_value_info("y", FLOAT, None), helper.make_tensor_value_info("r", FLOAT, None)],
    )
    assert priced(save(graph, tmp_path / "leak.onnx")) == {"there", "back"}
