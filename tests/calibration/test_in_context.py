"""Layers timed inside their running model: a real model profiled with TensorFlow's profiler
gives one time per layer of the graph energy-lint reads, under the same names, nested models
and shared layers included, and a campaign writes those rows durably and resumes by key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from energy_lint.calibration.measurements import IN_MODEL, read_rows
from energy_lint.calibration.power_model import SOURCE, PowerModel
from energy_lint.estimation.features import row_features
from energy_lint.graph import read_model
from energy_lint.graph.files import read_raw_model
from tests.keras_models import nested_shared_net

pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def keras():
    from energy_lint.calibration import in_context, keras_backend

    keras_backend.select_device("cpu")
    in_context.set_threads()
    return keras_backend.import_keras()


def conv_net(keras):
    layers = keras.layers
    inputs = keras.Input((48, 48, 3))
    x = layers.Conv2D(16, 3, use_bias=False, name="conv")(inputs)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.Activation("tanh", name="act")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(inputs, layers.Dense(4, name="dense")(x), name="conv_net")


def profiled(keras, model, directory: Path, batch_size: int = 2):
    from energy_lint.calibration import in_context, keras_backend

    path = directory / f"{model.name}.json"
    path.write_text(model.to_json())
    graph = read_model(path, batch_size)
    built = keras_backend.build_model(keras, read_raw_model(path))
    inputs = keras_backend.random_inputs(built, graph)
    return graph, in_context.profile(
        keras, built, graph, inputs, passes=5, warmup_seconds=0.1, whole_seconds=0.05, repeats=3
    )


def test_every_layer_of_the_graph_gets_a_positive_time_under_its_name(keras, tmp_path):
    _graph, result = profiled(keras, conv_net(keras), tmp_path)
    assert set(result.layer_s) == {"conv", "bn", "act", "pool", "dense"}
    assert all(seconds > 0 for seconds in result.layer_s.values()), result.layer_s
    assert result.whole_s > 0 and result.profiled_pass_s > 0
    assert result.layers_total_s <= result.whole_s * 1.5
    assert result.passes == 5


def test_nested_models_and_shared_layers_are_named_as_the_graph_names_them(keras, tmp_path):
    graph, result = profiled(keras, nested_shared_net(keras), tmp_path)
    expected = {node.name for node in graph.layers if node.type != "InputLayer"}
    assert set(result.layer_s) == expected
    # The second call of the shared layer and of the shared nested model ran too.
    assert "shared_dense@1" in expected and result.layer_s["shared_dense@1"] > 0
    nested_second = [name for name in expected if name.startswith("encoder@1/")]
    assert nested_second and all(result.layer_s[name] > 0 for name in nested_second)
    assert all(result.layer_s[name] > 0 for name in expected if name.startswith("head/"))


def test_a_grouped_convolution_without_bias_keeps_its_time(keras, tmp_path):
    """Keras runs a grouped Conv2D through an XLA-compiled call, an asynchronous op with no op
    event of its own: its time must reach the convolution, not the batch norm after it."""
    layers = keras.layers
    inputs = keras.Input((32, 32, 64))
    x = layers.Conv2D(64, 3, padding="same", groups=4, use_bias=False, name="grouped")(inputs)
    x = layers.BatchNormalization(name="bn")(x)
    model = keras.Model(inputs, layers.Conv2D(8, 1, name="head")(x), name="grouped_net")
    _graph, result = profiled(keras, model, tmp_path)
    assert result.layer_s["grouped"] > result.layer_s["bn"] > 0, result.layer_s


def test_a_training_step_times_every_layer_forward_and_backward(keras, tmp_path):
    from energy_lint.calibration import in_context, keras_backend

    graph, forward = profiled(keras, conv_net(keras), tmp_path)
    built = keras_backend.build_model(keras, read_raw_model(tmp_path / "conv_net.json"))
    inputs = keras_backend.random_inputs(built, graph)
    step = in_context.make_train_step(keras, built, inputs, _zeros(2, 4))
    trained = in_context.profile(
        keras, built, graph, inputs, passes=5, warmup_seconds=0.1, whole_seconds=0.05, repeats=3, step=step
    )
    assert set(trained.layer_s) == set(forward.layer_s)
    assert all(seconds > 0 for seconds in trained.layer_s.values()), trained.layer_s
    # Backward ops ("gradient_tape/conv_net/conv/...") reach their layer: a step's conv costs more.
    assert trained.layer_s["conv"] > forward.layer_s["conv"]
    assert trained.whole_s > forward.whole_s


def _zeros(*shape: int):
    import numpy as np

    return np.zeros(shape, dtype="float32")


def campaign(directory: Path, model: Path, budget: float = 120.0, train: bool = False):
    from energy_lint.calibration.in_context_campaign import InContextCampaign, ModelRun

    return InContextCampaign(
        [ModelRun(model, 2)],
        directory / "measurements.csv",
        budget_s=budget,
        passes=5,
        whole_seconds=0.05,
        train=train,
    )


def test_a_train_campaign_adds_training_rows_beside_the_forward_ones_and_resumes(keras, tmp_path):
    from energy_lint.calibration.in_context import TRAINING_STEP
    from energy_lint.calibration.measurements import FORWARD, TRAIN, pass_of

    model = tmp_path / "conv_net.json"
    model.write_text(conv_net(keras).to_json())
    write_power_model(tmp_path)
    campaign(tmp_path, model).run()  # forward rows first, as a campaign before --train left them
    result = campaign(tmp_path, model, train=True).run()
    rows = read_rows([tmp_path / "measurements.csv"])
    assert result.measured == 1 and len(rows) == 12
    trained = [row for row in rows if pass_of(row) == TRAIN]
    assert len(trained) == 6 and all(row["optimizer"] == TRAINING_STEP for row in trained)
    assert sum(pass_of(row) == FORWARD for row in rows) == 6
    assert len({row["case_key"] for row in rows}) == 12
    again = campaign(tmp_path, model, train=True).run()
    assert (again.measured, again.already) == (0, 1)


def write_power_model(directory: Path) -> None:
    """A power model as CodeCarbon would have given it (measuring it takes 10 s windows)."""
    PowerModel(watts=30.0, idle_w=20.0, per_core_w=5.0, execution_path="test").save(
        directory / "power-model.json"
    )


def test_campaign_writes_a_row_per_layer_and_one_per_model_and_resumes(keras, tmp_path):
    model = tmp_path / "conv_net.json"
    model.write_text(conv_net(keras).to_json())
    write_power_model(tmp_path)
    first = campaign(tmp_path, model).run()
    rows = read_rows([tmp_path / "measurements.csv"])
    assert first.measured == 1 and len(rows) == 6
    layers = [row for row in rows if row["layer_class"] != "Model"]
    assert [row["source"].split(":")[-1] for row in layers] == ["conv", "bn", "act", "pool", "dense"]
    for row in rows:
        assert row["context"] == IN_MODEL and row["model"] == "conv_net"
        assert row["power_source"] == {"cpu+ram": SOURCE}
        assert float(row["energy_j"]) == pytest.approx(float(row["duration_s"]) * 30.0)
    for row in layers:
        row_features(row)  # the fitter's features read the rows unchanged
    (whole,) = [row for row in rows if row["layer_class"] == "Model"]
    assert whole["layer_config"] == {"model": "conv_net.json"} and whole["input_shape"] == [[2, 48, 48, 3]]

    again = campaign(tmp_path, model).run()
    assert (again.measured, again.already) == (0, 1)
    assert len(read_rows([tmp_path / "measurements.csv"])) == 6


def test_a_model_cut_off_before_its_model_row_is_finished_without_duplicates(keras, tmp_path):
    model = tmp_path / "conv_net.json"
    model.write_text(conv_net(keras).to_json())
    write_power_model(tmp_path)
    campaign(tmp_path, model).run()
    csv_path = tmp_path / "measurements.csv"
    lines = csv_path.read_text().splitlines(keepends=True)
    csv_path.write_text("".join(lines[:-3]))  # killed after two layer rows were written
    result = campaign(tmp_path, model).run()
    rows = read_rows([csv_path])
    assert result.measured == 1
    assert len(rows) == 6 and len({row["case_key"] for row in rows}) == 6


def test_power_model_round_trips_with_its_source(tmp_path):
    write_power_model(tmp_path)
    data = json.loads((tmp_path / "power-model.json").read_text())
    assert data["source"] == SOURCE
    assert PowerModel.load(tmp_path / "power-model.json").energy_j(2.0) == 60.0


def test_scopes_without_uniquifying_suffixes_map_to_layers_too(tmp_path):
    """TensorFlow names a scope "block_1_expand" or "block_1_expand_1" depending on what the
    graph held before; both forms (the first as the issue quotes it) reach the same layer."""
    from energy_lint.calibration.in_context import OVERHEAD, LayerScopes

    graph = read_model(Path(__file__).parents[2] / "examples" / "mobilenet_v2.json")
    plain = LayerScopes(graph, "mobilenetv2_1.00_224")
    assert plain("mobilenetv2_1.00_224/block_1_expand/convolution", "Conv2D") == "block_1_expand"
    assert plain("mobilenetv2_1.00_224/Identity", "Identity") == OVERHEAD
    suffixed = LayerScopes(graph, "mobilenetv2_1.00_224")
    assert suffixed("mobilenetv2_1.00_224_1/block_1_expand_1/convolution", "Conv2D") == "block_1_expand"
    # A fused conv + ReLU6 kernel named after the activation belongs to the convolution.
    assert suffixed("mobilenetv2_1.00_224_1/Conv1_relu_1/Relu6", "_FusedConv2D") == "Conv1"
