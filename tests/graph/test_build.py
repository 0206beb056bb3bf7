"""Graph building on small hand-written configs: the corners Keras files really contain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from energy_lint.errors import ModelReadError
from energy_lint.graph import read_model


def tensor(layer: str, shape: list[Any], node: int = 0, index: int = 0) -> dict[str, Any]:
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": shape, "keras_history": [layer, node, index]},
    }


def layer(
    class_name: str, name: str, config: dict[str, Any], args: list[Any], **extra: Any
) -> dict[str, Any]:
    return {
        "module": extra.pop("module", "keras.layers"),
        "class_name": class_name,
        "config": {"name": name, "trainable": True, **config},
        "registered_name": extra.pop("registered_name", None),
        "name": name,
        "inbound_nodes": [{"args": args, "kwargs": {}}],
    }


def functional(layers: list[dict[str, Any]], inputs: Any, outputs: Any) -> dict[str, Any]:
    input_layer = {
        "class_name": "InputLayer",
        "config": {"batch_shape": [None, 8], "name": "x"},
        "name": "x",
        "inbound_nodes": [],
    }
    return {
        "class_name": "Functional",
        "config": {
            "name": "m",
            "layers": [input_layer, *layers],
            "input_layers": inputs,
            "output_layers": outputs,
        },
    }


def write(tmp_path: Path, config: dict[str, Any]) -> Path:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(config))
    return path


def test_unknown_layer_keeps_recorded_shapes_and_is_reported(tmp_path: Path) -> None:
    custom = layer("Scaler", "scale", {"factor": 2}, [tensor("x", [None, 8])], module="my_project.layers")
    dense = layer("Dense", "dense", {"units": 3}, [tensor("scale", [None, 8])])
    graph = read_model(write(tmp_path, functional([custom, dense], ["x", 0, 0], ["dense", 0, 0])))
    scale = graph.layers[1]
    assert (scale.name, scale.known, scale.output_shapes) == ("scale", False, [(1, 8)])
    assert "Scaler" in (scale.note or "")
    assert graph.layers[2].known and graph.layers[2].params == 8 * 3 + 3


def test_unknown_layer_at_other_input_shape_has_no_guessed_shape(tmp_path: Path) -> None:
    config = functional(
        [layer("Scaler", "scale", {}, [tensor("x", [None, 8])], module="my_project.layers")],
        ["x", 0, 0],
        ["scale", 0, 0],
    )
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, None]
    graph = read_model(write(tmp_path, config), input_shapes=[(16,)])
    assert graph.layers[1].output_shapes == [None]
    assert graph.output_shapes == [None]


def test_custom_layer_named_like_a_keras_layer_is_not_trusted(tmp_path: Path) -> None:
    fake = layer(
        "Dense", "dense", {"units": 3}, [tensor("x", [None, 8])], module="my.pkg", registered_name="my>Dense"
    )
    graph = read_model(write(tmp_path, functional([fake], [["x", 0, 0]], [["dense", 0, 0]])))
    assert graph.layers[1].known is False


def test_keras2_nested_model_calls_are_numbered_from_one(tmp_path: Path) -> None:
    inner = {
        "class_name": "Functional",
        "config": {
            "name": "inner",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "config": {"batch_input_shape": [None, 8], "name": "i"},
                    "name": "i",
                    "inbound_nodes": [],
                },
                {
                    "class_name": "Dense",
                    "config": {"name": "d", "units": 4},
                    "name": "d",
                    "inbound_nodes": [[["i", 0, 0, {}]]],
                },
            ],
            "input_layers": [["i", 0, 0]],
            "output_layers": [["d", 0, 0]],
        },
        "name": "inner",
        "inbound_nodes": [[["x", 0, 0, {}]], [["x", 0, 0, {}]]],
    }
    add = {
        "class_name": "Add",
        "config": {"name": "add"},
        "name": "add",
        "inbound_nodes": [[["inner", 1, 0, {}], ["inner", 2, 0, {}]]],
    }
    config = {
        "class_name": "Functional",
        "config": {
            "name": "outer",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "config": {"batch_input_shape": [None, 8], "name": "x"},
                    "name": "x",
                    "inbound_nodes": [],
                },
                inner,
                add,
            ],
            "input_layers": [["x", 0, 0]],
            "output_layers": [["add", 0, 0]],
        },
    }
    graph = read_model(write(tmp_path, config))
    assert [node.name for node in graph.layers] == ["x", "inner/d", "inner@1/d", "add"]
    assert [node.params for node in graph.layers] == [0, 36, 0, 0]
    assert graph.layers[3].inputs == ["inner/d", "inner@1/d"]


def test_sequential_without_input_needs_an_input_shape(tmp_path: Path) -> None:
    config = {
        "class_name": "Sequential",
        "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 2}}]},
    }
    path = write(tmp_path, config)
    with pytest.raises(ModelReadError, match="pass --input-shape"):
        read_model(path)
    graph = read_model(path, batch_size=4, input_shapes=[(5,)])
    assert graph.output_shapes == [(4, 2)]
    assert graph.params == 5 * 2 + 2


def test_input_shape_may_not_contradict_the_model(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        functional([layer("Dense", "d", {"units": 2}, [tensor("x", [None, 8])])], ["x", 0, 0], ["d", 0, 0]),
    )
    with pytest.raises(ModelReadError, match="fixes at 8"):
        read_model(path, input_shapes=[(9,)])


def test_subclassed_model_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, {"class_name": "MyModel", "config": {"name": "m"}})
    with pytest.raises(ModelReadError, match="subclassed"):
        read_model(path)
