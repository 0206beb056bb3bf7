"""A Keras 3 file whose nested Functional, built on its own Input and called once, is referenced
as call 1: the building is that model's node 0, as in tf.keras 2 files. Keras loads it; the
reader used to apply the offset to tf.keras 2 files only and refused it."""

from __future__ import annotations

import json
from pathlib import Path

from energy_lint.graph import read_model
from tests.graph.test_build import layer, tensor, write


def nested_config(node: int) -> dict:
    inner = {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "name": "innerf",
        "config": {
            "name": "innerf",
            "trainable": True,
            "layers": [
                {
                    "class_name": "InputLayer",
                    "config": {"batch_shape": [None, 4], "name": "i"},
                    "name": "i",
                    "inbound_nodes": [],
                },
                layer("Dense", "d", {"units": 3}, [tensor("i", [None, 4])]),
            ],
            "input_layers": [["i", 0, 0]],
            "output_layers": [["d", 0, 0]],
        },
        "inbound_nodes": [{"args": [tensor("x", [None, 4])], "kwargs": {"mask": None}}],
    }
    head = layer("Dense", "head", {"units": 2}, [tensor("innerf", [None, 3], node=node)])
    return {
        "class_name": "Functional",
        "config": {
            "name": "outer",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "config": {"batch_shape": [None, 4], "name": "x"},
                    "name": "x",
                    "inbound_nodes": [],
                },
                inner,
                head,
            ],
            "input_layers": [["x", 0, 0]],
            "output_layers": [["head", 0, 0]],
        },
    }


def test_nested_functional_called_once_referenced_as_call_one(tmp_path: Path) -> None:
    graph = read_model(write(tmp_path, nested_config(node=1)))
    assert [node.name for node in graph.layers] == ["x", "innerf/d", "head"]
    assert graph.params == (4 * 3 + 3) + (3 * 2 + 2)


def test_nested_functional_called_once_referenced_as_call_zero(tmp_path: Path) -> None:
    graph = read_model(write(tmp_path, nested_config(node=0)))
    assert graph.params == (4 * 3 + 3) + (3 * 2 + 2)
    assert json.loads(json.dumps(graph.output_shapes)) == [[1, 2]]
