"""One layer without a rule does not wipe out the rest: shapes and params come back from what the
file records (a Lambda's output_shape, the weights stored in the file), and a layer left unknown
says whether it has no rule or an unknown layer upstream is to blame.

The models are built and saved by tf.keras 2 (tf_keras), the Keras that wrote most files people
shipped; Keras itself gives the expected params. Nothing of the model is run by the reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from energy_lint.graph import read_model
from energy_lint.graph.weights import read_weights
from tests.keras_models import keras_module, save


def _scale_layer(k: Any) -> type:
    class ChannelScale(k.layers.Layer):
        """A user's layer with one weight per channel: energy-lint has no rule for it."""

        def build(self, input_shape: Any) -> None:
            self.scale = self.add_weight(name="scale", shape=(input_shape[-1],), initializer="ones")

        def call(self, x: Any) -> Any:
            return x * self.scale

    return ChannelScale


@pytest.fixture(scope="module")
def k() -> Any:
    return keras_module("keras2")


def lambda_net(k: Any) -> Any:
    """Inception-ResNet's pattern: a Lambda scale-sum with a declared output_shape between convs."""
    x = k.Input((8, 8, 3))
    a = k.layers.Conv2D(4, 3, padding="same", name="conv_a")(x)
    b = k.layers.Conv2D(4, 1, name="conv_b")(x)
    s = k.layers.Lambda(lambda t: t[0] + 0.2 * t[1], output_shape=(8, 8, 4), name="lambda_3")([a, b])
    y = k.layers.Conv2D(6, 3, padding="same", name="conv_c")(s)
    y = k.layers.BatchNormalization(name="bn")(y)
    y = k.layers.GlobalAveragePooling2D(name="gap")(y)
    return k.Model(x, k.layers.Dense(3, name="out")(y))


def custom_first_net(k: Any) -> Any:
    """A genomics model's pattern: its first layer is the user's own."""
    x = k.Input((20, 4))
    y = _scale_layer(k)(name="scale")(x)
    y = k.layers.Conv1D(6, 3, name="conv")(y)
    y = k.layers.BatchNormalization(name="bn")(y)
    y = k.layers.Flatten(name="flat")(y)
    y = k.layers.Dense(5, name="fc")(y)
    return k.Model(x, k.layers.Dense(1, name="head")(y))


def test_lambda_output_shape_lets_every_later_layer_be_read(k: Any, tmp_path: Path) -> None:
    model = lambda_net(k)
    graph = read_model(save(model, tmp_path, "lambda", "h5"))
    assert [layer.name for layer in graph.unknown_layers] == ["lambda_3"]
    assert graph.params == model.count_params()
    by_name = {layer.name: layer for layer in graph.layers}
    assert by_name["lambda_3"].output_shapes == [(1, 8, 8, 4)]
    assert by_name["conv_c"].macs == 8 * 8 * 6 * (3 * 3 * 4)
    assert graph.output_shapes == [(1, 3)]


def test_custom_first_layer_leaves_params_exact_and_names_the_cause(k: Any, tmp_path: Path) -> None:
    model = custom_first_net(k)
    path = save(model, tmp_path, "custom", "h5")
    graph = read_model(path)
    by_name = {layer.name: layer for layer in graph.layers}
    assert graph.params == model.count_params()
    assert by_name["scale"].params == 4
    assert "no rule" in (by_name["scale"].note or "")
    for name in ("conv", "bn", "flat"):
        assert by_name[name].known is False
        assert "shape unknown because upstream 'scale' is unknown" in (by_name[name].note or "")
    assert by_name["conv"].params == 3 * 4 * 6 + 6
    # The Dense kernel (108, 5) gives the width of the flattened input: the cascade stops there.
    assert by_name["fc"].known and by_name["fc"].input_shapes == [(1, 18 * 6)]
    assert by_name["fc"].macs == 108 * 5
    assert by_name["head"].known and graph.output_shapes == [(1, 1)]


def test_weights_are_read_from_a_keras_archive(tmp_path: Path) -> None:
    """A .keras archive files weights by class name and position (dense, dense_1), not by the
    layer's name; a custom layer's params come from there."""
    k3 = keras_module("keras3")

    @k3.saving.register_keras_serializable(package="energy_lint_tests")
    class Gate(k3.layers.Layer):
        def build(self, input_shape: Any) -> None:
            self.w = self.add_weight(shape=(input_shape[-1], 3), initializer="ones")

        def call(self, x: Any) -> Any:
            return x @ self.w

    x = k3.Input((6,))
    y = k3.layers.Dense(4, name="d1")(x)
    model = k3.Model(x, k3.layers.Dense(2, name="d2")(Gate(name="gate")(y)))
    path = save(model, tmp_path, "gate", "keras")
    weights = read_weights(path, "keras")
    assert weights is not None
    assert (weights.params("dense"), weights.params("gate"), weights.total) == (28, 12, model.count_params())
    graph = read_model(path)
    assert [layer.name for layer in graph.unknown_layers] == ["gate"]
    assert graph.layers[2].params == 12
    assert graph.params == model.count_params()


def test_keras2_h5_weights_include_non_trainable(k: Any, tmp_path: Path) -> None:
    model = custom_first_net(k)
    weights = read_weights(save(model, tmp_path, "custom", "h5"), "h5")
    assert weights is not None
    assert weights.params("bn") == 4 * 6
    assert weights.total == model.count_params()


def test_check_names_the_layer_to_blame(k: Any, tmp_path: Path) -> None:
    """EL303 no longer calls a BatchNormalization "unknown to energy-lint": it names the custom
    layer upstream; the custom layer itself is the one without a rule."""
    from tests.check_cli import document, run_check

    path = save(custom_first_net(k), tmp_path, "custom", "h5")
    result = run_check(path, "--select", "EL303", "--format", "json", cwd=tmp_path)
    messages = {v["layer"]: v["message"] for v in document(result)["models"][0]["violations"]}
    assert messages["scale"].startswith("scale (ChannelScale) is unknown to energy-lint")
    assert messages["conv"] == (
        "conv (Conv1D): shape unknown because upstream 'scale' is unknown, so it is not "
        "estimated: the total is a lower bound"
    )
    assert "fc" not in messages and "head" not in messages


def test_mostly_unknown_model_fails_and_its_total_is_a_lower_bound(k: Any, tmp_path: Path) -> None:
    """The model of EL305's example: its first layer is custom and leaves 4 of its 6 priced layers
    unknown. It used to be priced and pass; now it fails with error severity, and the total says
    it is a lower bound."""
    from tests.check_cli import document, run_check

    path = save(custom_first_net(k), tmp_path, "custom", "h5")
    result = run_check(path, "--format", "json", cwd=tmp_path)
    model = document(result)["models"][0]
    el305 = [v for v in model["violations"] if v["code"] == "EL305"]
    assert result.returncode == 1
    assert el305[0]["severity"] == "error"
    assert el305[0]["message"].startswith("the estimate covers only part of the model: 4 of 6 layers (67%)")
    assert model["lower_bound"] is True
    text = run_check(path, cwd=tmp_path)
    assert "  estimate: the total is a lower bound: 4 layers not estimated" in text.stdout


def test_inspect_text_separates_the_cause_from_what_follows(k: Any, tmp_path: Path) -> None:
    import subprocess
    import sys

    path = save(custom_first_net(k), tmp_path, "custom", "h5")
    command = [sys.executable, "-m", "energy_lint", "inspect", str(path)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False).stdout
    assert (
        "1 layer(s) without a rule, not counted: scale (ChannelScale); "
        "3 more with shapes unknown because of them"
    ) in " ".join(out.split())


@pytest.mark.parametrize("output_format", ["text", "markdown", "html", "github"])
def test_every_format_says_the_total_is_a_lower_bound(k: Any, tmp_path: Path, output_format: str) -> None:
    from tests.check_cli import run_check

    path = save(custom_first_net(k), tmp_path, "custom", "h5")
    out = run_check(path, "--format", output_format, "--select", "EL1", cwd=tmp_path).stdout
    assert "the total is a lower bound: 4 layers not estimated and counted as zero" in " ".join(out.split())


def test_sarif_carries_the_lower_bound(k: Any, tmp_path: Path) -> None:
    import json

    from tests.check_cli import run_check

    path = save(custom_first_net(k), tmp_path, "custom", "h5")
    log = json.loads(run_check(path, "--format", "sarif", "--select", "EL1", cwd=tmp_path).stdout)
    properties = log["runs"][0]["artifacts"][0]["properties"]
    assert (properties["lower_bound"], properties["unknown_layers"]) == (True, 4)
