"""A GELU written out op by op (torch's export of nn.GELU) is read as one Activation('gelu');
the same ops wired any other way keep their own prices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from onnx import numpy_helper

from energy_lint.graph import read_model
from tests.graph.onnx.builders import FLOAT, helper, save


def scalar(name: str, value: float):
    return numpy_helper.from_array(np.array(value, dtype=np.float32), name)


def gelu_model(path: Path, leak: bool = False) -> Path:
    """x -> Relu -> x * 0.5 * (1 + erf(x / sqrt 2)) -> y; with `leak`, erf's output is also a
    graph output, so the chain cannot be one kernel."""
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="/relu"),
        helper.make_node("Div", ["r", "sqrt2"], ["d"], name="/act/Div"),
        helper.make_node("Erf", ["d"], ["e"], name="/act/Erf"),
        helper.make_node("Add", ["e", "one"], ["a"], name="/act/Add"),
        helper.make_node("Mul", ["r", "a"], ["m"], name="/act/Mul"),
        helper.make_node("Mul", ["m", "half"], ["y"], name="/act/Mul_1"),
    ]
    outputs = [helper.make_tensor_value_info("y", FLOAT, None)]
    if leak:
        outputs.append(helper.make_tensor_value_info("e", FLOAT, None))
    graph = helper.make_graph(
        nodes,
        "gelu",
        [helper.make_tensor_value_info("x", FLOAT, [2, 64])],
        outputs,
        [scalar("sqrt2", 2**0.5), scalar("one", 1.0), scalar("half", 0.5)],
    )
    return save(graph, path)


def test_an_erf_gelu_is_one_activation_at_the_end_of_its_chain(tmp_path: Path) -> None:
    layers = {n.name: n for n in read_model(gelu_model(tmp_path / "gelu.onnx")).layers}
    assert layers["/act/Mul_1"].priced_as == "Activation"
    assert layers["/act/Mul_1"].config["activation"] == "gelu"
    assert {layers[n].priced_as for n in ("/act/Div", "/act/Erf", "/act/Add", "/act/Mul")} == {"Identity"}
    assert layers["/relu"].config["activation"] == "relu"  # an activation outside the chain: its own


def test_an_erf_whose_tensor_is_used_elsewhere_keeps_every_op(tmp_path: Path) -> None:
    layers = {n.name: n for n in read_model(gelu_model(tmp_path / "leak.onnx", leak=True)).layers}
    assert layers["/act/Erf"].priced_as != "Identity"
    assert layers["/act/Mul_1"].priced_as == "Multiply"
