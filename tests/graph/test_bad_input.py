"""A real model config with one thing broken: a cycle, a dangling edge, an absurd dimension, a
value of the wrong type. Each is a ModelReadError naming the file and the problem in one line:
never a traceback, a hang, or a number computed from nonsense."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from energy_lint.errors import ModelReadError
from energy_lint.graph import read_model
from energy_lint.graph.build import MAX_LAYER_CALLS

pytestmark = pytest.mark.keras

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
Config = dict[str, Any]


@pytest.fixture(scope="module")
def vgg16() -> Config:
    return json.loads((EXAMPLES / "vgg16.json").read_text())


@pytest.fixture(scope="module")
def resnet50() -> Config:
    return json.loads((EXAMPLES / "resnet50.json").read_text())


@pytest.fixture(scope="module")
def saved(tiny_convnets: dict[str, Any], tiny_lambdas: dict[str, Any]) -> dict[str, Config]:
    """Configs Keras wrote: a branching model in Keras 3 and in tf.keras 2 (whose call format
    differs), and a Lambda model whose edges carry the shapes Keras 3 recorded."""
    return {**tiny_convnets["configs"], "lambda": tiny_lambdas["configs"]["keras3"]}


def layer(config: Config, name: str) -> Config:
    return next(entry for entry in config["config"]["layers"] if entry["name"] == name)


def _tensors(value: Any) -> list[Config]:
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        return [value]
    if isinstance(value, list):
        return [t for item in value for t in _tensors(item)]
    return []


def edges(config: Config, name: str) -> list[list[Any]]:
    """The [layer, node, index] lists the first call of layer `name` reads, editable in place,
    in Keras 3's format and in tf.keras 2's."""
    call = layer(config, name)["inbound_nodes"][0]
    if isinstance(call, dict):
        return [tensor["config"]["keras_history"] for tensor in _tensors(call["args"])]
    return call


def damaged(config: Config, damage: Callable[[Config], Any]) -> Config:
    copied = copy.deepcopy(config)
    damage(copied)
    return copied


def _write(tmp_path: Path, config: Config) -> Path:
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(config))
    return path


def problem(tmp_path: Path, config: Any) -> str:
    """The problem read_model reports for `config` saved as JSON, checked to name the file in
    one line."""
    path = _write(tmp_path, config)
    with pytest.raises(ModelReadError) as caught:
        read_model(path)
    assert caught.value.path == str(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert len(str(caught.value).splitlines()) == 1
    return caught.value.problem


def test_the_undamaged_configs_read(vgg16: Config, saved: dict[str, Config], tmp_path: Path) -> None:
    """The baseline: whatever fails below fails because of the damage."""
    (tmp_path / "vgg16.json").write_text(json.dumps(vgg16))
    assert read_model(tmp_path / "vgg16.json").params == 138_357_544
    for flavour in ("keras3", "keras2"):
        (tmp_path / f"{flavour}.json").write_text(json.dumps(saved[flavour]))
        assert read_model(tmp_path / f"{flavour}.json").params == 5 * 8 + 5 + 2 * (3 * 3 * 3 * 8 + 8)


# -- cycles and dangling edges -----------------------------------------------------------------


def test_two_layers_feeding_each_other(vgg16: Config, tmp_path: Path) -> None:
    def feed_back(config: Config) -> None:
        edges(config, "block1_conv1")[0][0] = "block1_conv2"

    message = problem(tmp_path, damaged(vgg16, feed_back))
    assert message.startswith("the graph has a cycle through 'block1_conv1', 'block1_conv2'")


def test_a_layer_feeding_itself(resnet50: Config, tmp_path: Path) -> None:
    def loop(config: Config) -> None:
        edges(config, "conv2_block1_add")[1][0] = "conv2_block1_add"

    assert "cycle through" in problem(tmp_path, damaged(resnet50, loop))


@pytest.mark.parametrize("flavour", ["keras3", "keras2"])
def test_cycle_in_either_keras_format(saved: dict[str, Config], tmp_path: Path, flavour: str) -> None:
    def feed_back(config: Config) -> None:
        edges(config, "conv_a")[0][0] = "add"

    assert "cycle through 'add', 'conv_a'" in problem(tmp_path, damaged(saved[flavour], feed_back))


@pytest.mark.parametrize("flavour", ["keras3", "keras2"])
def test_input_from_a_layer_that_does_not_exist(
    saved: dict[str, Config], tmp_path: Path, flavour: str
) -> None:
    def dangle(config: Config) -> None:
        edges(config, "add")[1][0] = "ghost"

    message = problem(tmp_path, damaged(saved[flavour], dangle))
    assert message == "'add' takes input from 'ghost', which is not in the model"


def test_input_from_a_call_that_does_not_exist(vgg16: Config, tmp_path: Path) -> None:
    def dangle(config: Config) -> None:
        edges(config, "block1_conv2")[0][1] = 5

    message = problem(tmp_path, damaged(vgg16, dangle))
    assert message == "'block1_conv2' takes input from call 5 of 'block1_conv1', which does not exist"


def test_input_from_a_layer_that_is_never_called(vgg16: Config, tmp_path: Path) -> None:
    def uncall(config: Config) -> None:
        layer(config, "block1_conv1")["inbound_nodes"] = []

    assert "call 0 of 'block1_conv1', which does not exist" in problem(tmp_path, damaged(vgg16, uncall))


def test_output_that_does_not_exist(vgg16: Config, tmp_path: Path) -> None:
    def ghost(config: Config) -> None:
        config["config"]["output_layers"] = [["ghost", 0, 0]]

    assert (
        problem(tmp_path, damaged(vgg16, ghost))
        == "'model outputs' takes input from 'ghost', which is not in the model"
    )


def test_output_index_past_the_layer_outputs(vgg16: Config, tmp_path: Path) -> None:
    def past(config: Config) -> None:
        config["config"]["output_layers"] = [["predictions", 0, 10**30]]

    assert problem(tmp_path, damaged(vgg16, past)).endswith("of 'predictions', which has 1")


def test_input_layer_that_takes_input(vgg16: Config, tmp_path: Path) -> None:
    def feed_input(config: Config) -> None:
        first_call = layer(config, "block1_conv1")["inbound_nodes"][0]
        layer(config, "input_layer")["inbound_nodes"] = [first_call, first_call]

    assert (
        problem(tmp_path, damaged(vgg16, feed_input))
        == "InputLayer 'input_layer' takes input from other layers"
    )


def test_model_input_that_is_not_an_input_layer(vgg16: Config, tmp_path: Path) -> None:
    def wrong(config: Config) -> None:
        config["config"]["input_layers"] = [["block1_conv1", 0, 0]]

    assert (
        problem(tmp_path, damaged(vgg16, wrong))
        == "model input 'block1_conv1' is not an InputLayer of the model"
    )


def test_two_layers_with_one_name(vgg16: Config, tmp_path: Path) -> None:
    def duplicate(config: Config) -> None:
        config["config"]["layers"].append(copy.deepcopy(layer(config, "block1_conv1")))

    assert (
        problem(tmp_path, damaged(vgg16, duplicate)) == "two layers are named 'block1_conv1' in model 'vgg16'"
    )


def test_a_name_with_a_newline_stays_on_one_line(vgg16: Config, tmp_path: Path) -> None:
    """A name from the file is quoted in the message; it cannot forge a second error line."""

    def rename(config: Config) -> None:
        edges(config, "block1_conv2")[0][0] = "x\nerror: forged.json: fake"

    with pytest.raises(ModelReadError) as caught:
        read_model(_write(tmp_path, damaged(vgg16, rename)))
    assert "\n" not in str(caught.value)
    assert "'x\\nerror: forged.json: fake'" in str(caught.value)


# -- dimensions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dimension", "expected"),
    [
        (-3, "input 'input_layer' dimension must be between 1 and 2147483647, got -3"),
        (0, "input 'input_layer' dimension must be between 1 and 2147483647, got 0"),
        (10**12, "input 'input_layer' dimension must be between 1 and 2147483647, got 1000000000000"),
        (2.5, "input 'input_layer' dimension must be an integer, got 2.5"),
        ("abc", "input 'input_layer' dimension must be an integer, got 'abc'"),
        (True, "input 'input_layer' dimension must be an integer, got True"),
    ],
)
def test_bad_input_dimension(vgg16: Config, tmp_path: Path, dimension: Any, expected: str) -> None:
    def set_dimension(config: Config) -> None:
        layer(config, "input_layer")["config"]["batch_shape"] = [None, dimension, 224, 3]

    assert problem(tmp_path, damaged(vgg16, set_dimension)) == expected


@pytest.mark.parametrize(
    ("key", "shape", "expected"),
    [
        ("batch_shape", "abc", "input 'input_layer' has an invalid shape 'abc'"),
        ("batch_shape", {"h": 224}, "input 'input_layer' has an invalid shape {'h': 224}"),
        ("shape", "abc", "input 'input_layer' has an invalid shape 'abc'"),
        ("shape", 224, "input 'input_layer' has an invalid shape 224"),
        ("shape", [224, -1, 3], "input 'input_layer' dimension must be between 1 and 2147483647, got -1"),
    ],
)
def test_input_shape_of_the_wrong_type(
    vgg16: Config, tmp_path: Path, key: str, shape: Any, expected: str
) -> None:
    def set_shape(config: Config) -> None:
        input_config = layer(config, "input_layer")["config"]
        input_config["batch_shape"] = None
        input_config[key] = shape

    assert problem(tmp_path, damaged(vgg16, set_shape)) == expected


def test_dimensions_that_multiply_past_any_tensor(vgg16: Config, tmp_path: Path) -> None:
    def huge(config: Config) -> None:
        layer(config, "input_layer")["config"]["batch_shape"] = [None, 100_000, 100_000, 3]

    assert (
        problem(tmp_path, damaged(vgg16, huge))
        == "layer 'flatten' (Flatten) would output shape (1, 5000000000)"
    )


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("filters", -3, "config 'filters' must be between 1 and 2147483647, got -3"),
        ("filters", 10**12, "config 'filters' must be between 1 and 2147483647, got 1000000000000"),
        ("filters", "abc", "config 'filters' must be an integer, got 'abc'"),
        ("kernel_size", 0, "config 'kernel_size' must be between 1 and 2147483647, got 0"),
        ("kernel_size", [3, 0], "config 'kernel_size' must be between 1 and 2147483647, got 0"),
        ("kernel_size", [3], "config 'kernel_size' must have 2 values, got [3]"),
        ("strides", 2.5, "config 'strides' must be an integer, got 2.5"),
        ("strides", None, "config 'strides' must be an integer, got None"),
        ("padding", 5, "config 'padding' must be one of valid, same, got 5"),
        ("use_bias", "yes", "config 'use_bias' must be true or false, got 'yes'"),
    ],
)
def test_bad_conv2d_config(vgg16: Config, tmp_path: Path, key: str, value: Any, expected: str) -> None:
    def set_value(config: Config) -> None:
        layer(config, "block1_conv1")["config"][key] = value

    assert problem(tmp_path, damaged(vgg16, set_value)) == f"layer 'block1_conv1' (Conv2D): {expected}"


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        ("abc", "must be an integer, got 'abc'"),
        (-1, "must be between 1 and 2147483647, got -1"),
        (0, "must be between 1 and 2147483647, got 0"),
        (10**12, "must be between 1 and 2147483647, got 1000000000000"),
        (2.5, "must be an integer, got 2.5"),
        ([4], "must be an integer, got [4]"),
        (True, "must be an integer, got True"),
    ],
)
def test_bad_dense_units(vgg16: Config, tmp_path: Path, units: Any, expected: str) -> None:
    def set_units(config: Config) -> None:
        layer(config, "fc1")["config"]["units"] = units

    assert problem(tmp_path, damaged(vgg16, set_units)) == f"layer 'fc1' (Dense): config 'units' {expected}"


@pytest.mark.parametrize("dimension", [-4, 0, 10**12, "x", 2.5])
def test_bad_recorded_shape(saved: dict[str, Config], tmp_path: Path, dimension: Any) -> None:
    """Past an unknown layer (a Lambda), the builder takes the shape Keras 3 recorded on the
    edge: a corrupt one used to flow into the next layer as, say, -6 parameters."""

    def corrupt(config: Config) -> None:
        for entry in config["config"]["layers"]:
            for tensor in _tensors([call["args"] for call in entry["inbound_nodes"]]):
                tensor["config"]["shape"] = [None, dimension]

    message = problem(tmp_path, damaged(saved["lambda"], corrupt))
    shape = f"[None, {dimension!r}]"
    assert (
        message
        == f"layer 'before' inbound node: recorded shape {shape} has an invalid dimension {dimension!r}"
    )


def test_recorded_shape_of_the_wrong_type(saved: dict[str, Config], tmp_path: Path) -> None:
    def corrupt(config: Config) -> None:
        _tensors(layer(config, "after")["inbound_nodes"][0]["args"])[0]["config"]["shape"] = "4"

    assert (
        problem(tmp_path, damaged(saved["lambda"], corrupt))
        == "layer 'after' inbound node: recorded shape must be a list, got '4'"
    )


# -- values of the wrong type ---------------------------------------------------------------------


WRONG_TYPES = [
    ("layers-not-a-list", ["config", "layers"], {"a": 1}, "Functional config lists no layers"),
    ("layers-a-string", ["config", "layers"], "conv", "Functional config lists no layers"),
    ("config-a-string", ["config"], "abc", "Functional has no config object"),
    ("model-name-a-number", ["config", "name"], 5, "model name must be a non-empty string, got 5"),
    ("input-layers-a-number", ["config", "input_layers"], 5, "model config has no input_layers"),
    ("output-layers-empty", ["config", "output_layers"], [], "model config has no output_layers"),
    (
        "endpoint-name-null",
        ["config", "input_layers"],
        [[None, 0, 0]],
        "input_layers: expected [layer, node, index], got [None, 0, 0]",
    ),
    (
        "endpoint-node-negative",
        ["config", "output_layers"],
        [["predictions", -1, 0]],
        "output_layers: expected [layer, node, index], got ['predictions', -1, 0]",
    ),
]


@pytest.mark.parametrize(
    ("keys", "value", "expected"), [c[1:] for c in WRONG_TYPES], ids=[c[0] for c in WRONG_TYPES]
)
def test_model_value_of_the_wrong_type(
    vgg16: Config, tmp_path: Path, keys: list[str], value: Any, expected: str
) -> None:
    def damage(config: Config) -> None:
        target = config
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    assert problem(tmp_path, damaged(vgg16, damage)).startswith(expected)


LAYER_WRONG_TYPES = [
    ("config-a-string", "config", "abc", "layer of class Conv2D has no config object"),
    ("class-name-a-number", "class_name", 5, "layer class_name must be a non-empty string, got 5"),
    ("inbound-nodes-a-number", "inbound_nodes", 5, "layer 'block1_conv1': inbound_nodes must be a list"),
    (
        "inbound-node-a-number",
        "inbound_nodes",
        [5],
        "layer 'block1_conv1' inbound node must be an object or a list, got int",
    ),
    (
        "args-a-number",
        "inbound_nodes",
        [{"args": 5, "kwargs": {}}],
        "layer 'block1_conv1' inbound node: args must be a list, got int",
    ),
    (
        "args-a-string",
        "inbound_nodes",
        [{"args": "input_layer", "kwargs": {}}],
        "layer 'block1_conv1' inbound node: args must be a list, got str",
    ),
    (
        "kwargs-a-list",
        "inbound_nodes",
        [{"args": [], "kwargs": [1]}],
        "layer 'block1_conv1' inbound node: kwargs must be an object",
    ),
    (
        "history-a-string",
        "inbound_nodes",
        [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": "input_layer"}}]}],
        "layer 'block1_conv1' inbound node: expected [layer, node, index], got 'input_layer'",
    ),
    (
        "tensor-config-a-number",
        "inbound_nodes",
        [{"args": [{"class_name": "__keras_tensor__", "config": 5}]}],
        "layer 'block1_conv1' inbound node: tensor without config",
    ),
]


@pytest.mark.parametrize(
    ("key", "value", "expected"), [c[1:] for c in LAYER_WRONG_TYPES], ids=[c[0] for c in LAYER_WRONG_TYPES]
)
def test_layer_value_of_the_wrong_type(
    vgg16: Config, tmp_path: Path, key: str, value: Any, expected: str
) -> None:
    def damage(config: Config) -> None:
        layer(config, "block1_conv1")[key] = value

    assert problem(tmp_path, damaged(vgg16, damage)) == expected


def test_layer_entry_that_is_not_an_object(vgg16: Config, tmp_path: Path) -> None:
    def damage(config: Config) -> None:
        config["config"]["layers"].append(5)

    assert problem(tmp_path, damaged(vgg16, damage)) == "layer entry must be an object, got int"


def test_layer_name_of_the_wrong_type(vgg16: Config, tmp_path: Path) -> None:
    def damage(config: Config) -> None:
        entry = layer(config, "block1_conv1")
        entry["name"] = entry["config"]["name"] = 5

    assert (
        problem(tmp_path, damaged(vgg16, damage))
        == "name of a Conv2D layer must be a non-empty string, got 5"
    )


@pytest.mark.parametrize(
    ("keys", "value", "expected"),
    [
        ((0, "inbound_nodes"), 5, "layer 'conv_a': inbound_nodes must be a list"),
        (
            (0, "inbound_nodes"),
            [[["image", "0", 0, {}]]],
            "layer 'conv_a' inbound node: expected [layer, node, index], got ['image', '0', 0, {}]",
        ),
        (
            (0, "inbound_nodes"),
            [[["image", 0]]],
            "layer 'conv_a' inbound node: expected [layer, node, index], got ['image', 0]",
        ),
    ],
)
def test_tf_keras_value_of_the_wrong_type(
    saved: dict[str, Config], tmp_path: Path, keys: tuple, value: Any, expected: str
) -> None:
    def damage(config: Config) -> None:
        layer(config, "conv_a")[keys[1]] = value

    assert problem(tmp_path, damaged(saved["keras2"], damage)) == expected


# -- inputs that would take unbounded time ---------------------------------------------------------


def _doubling_models(depth: int) -> Config:
    """A model calling a nested model twice, which calls its nested model twice, ... `depth`
    levels down: a few kB of JSON that expands to 2**depth layer calls."""
    tensor = {"class_name": "__keras_tensor__", "config": {"shape": [None, 4], "keras_history": None}}

    def call(layer_name: str, node: int) -> Config:
        edge = copy.deepcopy(tensor)
        edge["config"]["keras_history"] = [layer_name, node, 0]
        return {"args": [edge], "kwargs": {}}

    def model(level: int) -> Config:
        source = f"in{level}"
        inputs = {
            "class_name": "InputLayer",
            "name": source,
            "config": {"batch_shape": [None, 4], "name": source},
            "inbound_nodes": [],
        }
        if level == 0:
            inner = {
                "class_name": "Dense",
                "name": "dense",
                "config": {"name": "dense", "units": 4},
                "inbound_nodes": [call(source, 0)],
            }
            outputs = [["dense", 0, 0]]
        else:
            inner = model(level - 1)
            inner["name"] = inner["config"]["name"] = "inner"
            inner["inbound_nodes"] = [call(source, 0), call("inner", 0)]
            outputs = [["inner", 1, 0]]
        layers = [inputs, inner]
        return {
            "class_name": "Functional",
            "config": {
                "name": f"level{level}",
                "layers": layers,
                "input_layers": [[source, 0, 0]],
                "output_layers": outputs,
            },
        }

    return model(depth)


def test_nested_models_that_expand_exponentially(tmp_path: Path) -> None:
    """2**30 layer calls from a 20 kB file: refused at the bound, in well under a second's work
    per 10,000 calls, rather than expanded for hours."""
    assert read_model(_write(tmp_path, _doubling_models(3))).params == 20  # the shape of it reads
    started = time.monotonic()
    message = problem(tmp_path, _doubling_models(30))
    assert message == f"the model makes more than {MAX_LAYER_CALLS:,} layer calls"
    assert time.monotonic() - started < 20


def test_models_nested_too_deep(tmp_path: Path) -> None:
    assert problem(tmp_path, _doubling_models(40)) == "models nested more than 32 deep"


def test_many_unknown_layers_read_in_linear_time(saved: dict[str, Config], tmp_path: Path) -> None:
    """20,000 Lambdas in a row: the recorded shapes are looked up by edge, not searched for
    each layer (which took minutes for a file within the 64 MiB cap)."""
    config = copy.deepcopy(saved["lambda"])
    entries = config["config"]["layers"]
    inputs, template = layer(config, "features"), layer(config, "side_effect")
    chain, previous = [inputs], "features"
    for i in range(20_000):
        entry = copy.deepcopy(template)
        entry["name"] = entry["config"]["name"] = f"lambda_{i}"
        edge = _tensors(entry["inbound_nodes"][0]["args"])[0]["config"]
        edge["keras_history"], edge["shape"] = [previous, 0, 0], [None, 8]
        chain.append(entry)
        previous = entry["name"]
    assert len(entries) == 4
    config["config"]["layers"] = chain
    config["config"]["output_layers"] = [[previous, 0, 0]]
    started = time.monotonic()
    graph = read_model(_write(tmp_path, config))
    assert time.monotonic() - started < 10
    assert len(graph.unknown_layers) == 20_000
    assert graph.layers[-2].output_shape == (1, 8)  # recorded on the edge into the last one
