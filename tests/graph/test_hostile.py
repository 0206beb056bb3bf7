"""Hostile inputs found by fuzzing (issue 16, item 5), each checked where its value enters: a
config value of the wrong type or size, a scalar where a layer wants a batch, a file whose
declared or decoded size would cost gigabytes. Each is one line naming the file and the problem;
before the fixes each was a traceback, a hang or a memory blow-up."""

from __future__ import annotations

import copy
import json
import resource
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

from energy_lint.errors import ModelReadError
from energy_lint.graph import files, read_model
from energy_lint.graph.build import MAX_LAYER_OUTPUTS
from tests import tiny_models

pytestmark = pytest.mark.keras

Config = dict[str, Any]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Config]:
    """Configs Keras 3 wrote: the zoo of layer families, a full reduction feeding Flatten,
    Reshape and MultiHeadAttention, and a Lambda model whose edges carry recorded shapes."""
    keras = tiny_models.keras3()
    inputs = keras.Input((4, 3), name="x")
    summed = keras.ops.sum(inputs, axis=-1, keepdims=True)
    flat = keras.layers.Flatten(name="flatten")(summed)
    shaped = keras.layers.Reshape((2, 2), name="reshape")(flat)
    attended = keras.layers.MultiHeadAttention(num_heads=1, key_dim=2, name="mha")(shaped, shaped)
    marker = tmp_path_factory.mktemp("lambda") / "ran"
    configs = {
        "zoo": json.loads(tiny_models.zoo(keras).to_json()),
        "reduction": json.loads(keras.Model(inputs, attended).to_json()),
        "lambda": json.loads(tiny_models.lambda_model(keras, marker).to_json()),
    }
    marker.unlink()
    return configs


def layer(config: Config, name: str) -> Config:
    return next(entry for entry in config["config"]["layers"] if entry["name"] == name)


def problem(tmp_path: Path, config: Any, damage: Callable[[Config], Any] = lambda config: None) -> str:
    """The one-line problem of `config`, damaged, saved as JSON."""
    config = copy.deepcopy(config)
    damage(config)
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(config))
    with pytest.raises(ModelReadError) as caught:
        read_model(path)
    assert str(caught.value) == f"{path}: {caught.value.problem}"
    assert "\n" not in str(caught.value)
    return caught.value.problem


def set_config(name: str, key: str, value: Any) -> Callable[[Config], None]:
    return lambda config: layer(config, name)["config"].__setitem__(key, value)


def test_the_undamaged_configs_read(saved: dict[str, Config], tmp_path: Path) -> None:
    for name, config in saved.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(config))
        assert read_model(tmp_path / f"{name}.json").params > 0


@pytest.mark.parametrize(
    ("name", "key", "value", "expected"),
    [
        ("dot", "axes", [], "layer 'dot' (Dot): config 'axes' must name at least one axis, got []"),
        (
            "concat",
            "axis",
            [],
            "layer 'concat' (Concatenate): config 'axis' must name at least one axis, got []",
        ),
        (
            "einsum",
            "bias_axes",
            5,
            "layer 'einsum' (EinsumDense): config 'bias_axes' must be a string of einsum letters, got 5",
        ),
        (
            "einsum",
            "bias_axes",
            ["d"],
            "layer 'einsum' (EinsumDense): config 'bias_axes' must be a string of einsum letters, got ['d']",
        ),
        (
            "head",
            "units",
            10**400,
            "layer 'head' (Dense): config 'units' must be between 1 and 2147483647, "
            "got an integer of about 401 digits",
        ),
        (
            "attention",
            "num_heads",
            float("nan"),
            "layer 'attention' (MultiHeadAttention): config 'num_heads' must be an integer, got nan",
        ),
        ("conv", "groups", "2", "layer 'conv' (Conv1D): config 'groups' must be an integer, got '2'"),
    ],
    ids=[
        "dot-empty-axes",
        "concatenate-empty-axis",
        "einsum-bias-axes-int",
        "einsum-bias-axes-list",
        "units-401-digits",
        "num-heads-nan",
        "groups-string",
    ],
)
def test_config_value_refused_where_it_enters(
    saved: dict[str, Config], tmp_path: Path, name: str, key: str, value: Any, expected: str
) -> None:
    assert problem(tmp_path, saved["zoo"], set_config(name, key, value)) == expected


def test_wrapped_layer_with_a_module_that_is_no_string_reads_as_without(
    saved: dict[str, Config], tmp_path: Path
) -> None:
    """As keras_config reads a layer entry, a wrapper's inner entry: a non-string module is
    absent (it used to be a traceback: 'int' object has no attribute 'startswith')."""
    path = tmp_path / "zoo.json"
    path.write_text(json.dumps(saved["zoo"]))
    params = read_model(path).params
    config = copy.deepcopy(saved["zoo"])
    layer(config, "bilstm")["config"]["layer"]["module"] = 5
    path.write_text(json.dumps(config))
    assert read_model(path).params == params


@pytest.mark.parametrize(
    ("consumer", "kind"), [("flatten", "Flatten"), ("reshape", "Reshape"), ("mha", "MultiHeadAttention")]
)
def test_a_scalar_reaching_a_layer(
    saved: dict[str, Config], tmp_path: Path, consumer: str, kind: str
) -> None:
    """A full reduction (axis null) gives a tensor of rank 0: no layer takes one."""

    def reduce_all(config: Config) -> None:
        layer(config, "sum")["config"].update(axis=None, keepdims=False)
        if consumer != "flatten":  # Flatten reads the input instead, so that it reads
            flatten_input = layer(config, "flatten")["inbound_nodes"][0]["args"][0]["config"]
            flatten_input.update(keras_history=["x", 0, 0], shape=[None, 4, 3])
            layer(config, "reshape")["config"]["target_shape"] = [3, 4]
        for call in layer(config, consumer)["inbound_nodes"]:
            for argument in call["args"]:
                argument["config"]["keras_history"] = ["sum", 0, 0]
                argument["config"]["shape"] = []

    assert (
        problem(tmp_path, saved["reduction"], reduce_all)
        == f"layer '{consumer}' ({kind}) takes a tensor of rank 0, without a batch dimension"
    )


def test_a_recorded_output_index_of_a_billion(saved: dict[str, Config], tmp_path: Path) -> None:
    """An unknown layer's outputs come from the indices recorded on its consumers' edges: one of
    10**9 built a 10**9-entry list (8 GB) before it was refused."""

    def far(config: Config) -> None:
        edge = layer(config, "after")["inbound_nodes"][0]["args"][0]["config"]
        edge["keras_history"] = ["side_effect", 0, 10**9]

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert problem(tmp_path, saved["lambda"], far) == (
        f"a layer reads output 1000000000 of 'side_effect': no layer has over {MAX_LAYER_OUTPUTS:,} outputs"
    )
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # kB


def test_a_config_of_more_values_than_any_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 63 MiB config.json of tiny objects cost 1.7 GB in json.loads: the values are counted
    first. VGG16's config holds 1,380; with the bound at 1,000 it is refused, at 2,000 it reads."""
    path = tmp_path / "vgg16.json"
    path.write_bytes((EXAMPLES / "vgg16.json").read_bytes())
    monkeypatch.setattr(files, "MAX_CONFIG_VALUES", 1_000)
    with pytest.raises(ModelReadError) as caught:
        read_model(path)
    assert caught.value.problem == "file holds more than 1,000 values"
    monkeypatch.setattr(files, "MAX_CONFIG_VALUES", 2_000)
    assert read_model(path).params == 138_357_544


def test_tiny_objects_under_the_byte_cap_are_refused_at_the_real_bound(tmp_path: Path) -> None:
    path = tmp_path / "tiny.json"
    path.write_bytes(b"[" + b"{}," * files.MAX_CONFIG_VALUES + b"{}]")
    assert path.stat().st_size < files.MAX_CONFIG_BYTES
    with pytest.raises(ModelReadError) as caught:
        read_model(path)
    assert caught.value.problem == f"file holds more than {files.MAX_CONFIG_VALUES:,} values"


@pytest.mark.parametrize("name", ["model_config", "keras_version"])
def test_an_h5_string_array_is_refused_before_it_is_decoded(tmp_path: Path, name: str) -> None:
    """An array of variable-length strings can point every element at one large heap object
    (1.1 MB of file, 6 GB decoded): the element count is checked before any is read."""
    path = tmp_path / "array.h5"
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = (EXAMPLES / "vgg16.json").read_text()
        handle.attrs.create(name, np.array(["{}"] * 1000, dtype=object), dtype=h5py.string_dtype())
    with pytest.raises(ModelReadError) as caught:
        read_model(path)
    assert caught.value.problem == f"{name} attribute is an array of 1,000 values, not one string"


def test_an_h5_attribute_without_a_value(tmp_path: Path) -> None:
    path = tmp_path / "empty.h5"
    with h5py.File(path, "w") as handle:
        handle.attrs.create("model_config", h5py.Empty("f"))
    with pytest.raises(ModelReadError) as caught:
        read_model(path)
    assert caught.value.problem == "model_config attribute holds no value"
