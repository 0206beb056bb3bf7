"""`calibrate --in-context`: which reference models run at which batch sizes, interleaved with
the sampled ones, and a missing model path is one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from energy_lint.cli.app import cli
from energy_lint.cli.calibrate_in_context import plan

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_references_run_at_the_larger_batch_only_where_a_pass_stays_small():
    references = [EXAMPLES / "resnet50.json", EXAMPLES / "vgg16.json"]
    sampled = [(Path(f"rand-mlp-{i:04d}.json"), 4) for i in range(4)]
    runs = plan(references, sampled, (1, 8))
    assert {(r.path.name, r.batch_size) for r in runs if r.path.parent == EXAMPLES} == {
        ("resnet50.json", 1),
        ("vgg16.json", 1),
        ("resnet50.json", 8),
    }
    assert [r.path.name for r in runs[:3]] == ["resnet50.json", "rand-mlp-0000.json", "vgg16.json"]
    assert len(runs) == 7


def test_a_missing_model_path_is_one_line_and_exit_2(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["calibrate", "--name", "x", "--in-context", "--sample", "0", "--models", str(tmp_path / "no.json"),
         "--measurements", str(tmp_path / "m.csv")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: {tmp_path / 'no.json'}: no such model file or directory"
    ]


def test_train_profiles_a_training_step_beside_the_forward_pass(tmp_path):
    """`--in-context --train` through the real CLI on a small model: forward and training rows,
    the training ones naming the step they timed."""
    pytest.importorskip("tensorflow")
    from energy_lint.calibration import keras_backend
    from energy_lint.calibration.in_context import TRAINING_STEP
    from energy_lint.calibration.measurements import TRAIN, pass_of, read_rows
    from energy_lint.calibration.power_model import PowerModel

    keras = keras_backend.import_keras()
    inputs = keras.Input((16,))
    hidden = keras.layers.Dense(32, activation="relu", name="hidden")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(4, name="out")(hidden), name="tiny")
    (tmp_path / "tiny.json").write_text(model.to_json())
    PowerModel(watts=30.0, idle_w=20.0, per_core_w=5.0, execution_path="test").save(
        tmp_path / "power-model.json"
    )
    result = CliRunner().invoke(
        cli,
        ["calibrate", "--name", "x", "--in-context", "--train", "--sample", "0", "--models",
         str(tmp_path / "tiny.json"), "--measurements", str(tmp_path / "m.csv"), "--budget", "5m"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = read_rows([tmp_path / "m.csv"])
    trained = [row for row in rows if pass_of(row) == TRAIN]
    assert {row["source"].split(":")[-1] for row in trained if row["layer_class"] != "Model"} == {
        "hidden",
        "out",
    }
    assert len(trained) == len(rows) / 2 and all(row["optimizer"] == TRAINING_STEP for row in trained)


def test_a_gpu_in_context_is_one_line_and_exit_2(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["calibrate", "--name", "x", "--in-context", "--device", "gpu:0", "--sample", "0",
         "--measurements", str(tmp_path / "m.csv")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["error: --in-context measures on the cpu only (no GPU yet)"]


def _in_context(tmp_path: Path, *args: str):
    return CliRunner().invoke(
        cli,
        ["calibrate", "--name", "x", "--in-context", "--measurements", str(tmp_path / "m.csv"), *args],
    )


def test_onnx_models_are_profiled_in_onnxruntime_with_the_readers_counts_in_each_row(tmp_path):
    """Through the real CLI: a row per node priced as its Keras class, carrying the reader's
    MACs and params, whose features are the ones `check` computes for the node; a rerun
    resumes."""
    pytest.importorskip("onnxruntime")
    from energy_lint.calibration.measurements import read_rows
    from energy_lint.calibration.power_model import PowerModel
    from energy_lint.estimation.features import node_features, row_features
    from energy_lint.graph import read_model
    from tests.graph.onnx.builders import conv_model

    models = tmp_path / "models"
    models.mkdir()
    path = conv_model(models / "conv-1.onnx", dims=("batch", 3, 32, 32))
    PowerModel(watts=30.0, idle_w=20.0, per_core_w=5.0, execution_path="test").save(
        tmp_path / "power-model.json"
    )
    result = _in_context(tmp_path, "--models", str(models), "--budget", "5m")
    assert result.exit_code == 0, result.output
    rows = read_rows([tmp_path / "m.csv"])
    assert {(row["layer_class"], row["batch_size"]) for row in rows} == {
        (kind, batch) for kind in ("Conv2D", "Activation", "Model") for batch in ("1", "8")
    }
    assert {row["backend"].split()[0] for row in rows} == {"onnxruntime"}
    for batch in (1, 8):
        nodes = {node.name: node for node in read_model(path, batch_size=batch).layers}
        for row in rows:
            if row["batch_size"] == str(batch) and row["layer_class"] != "Model":
                node = nodes[row["source"].split(":")[-1]]
                assert (int(row["macs"]), int(row["params"])) == (node.macs, node.params)
                assert row_features(row) == node_features(node, batch)
    conv = next(row for row in rows if row["layer_class"] == "Conv2D")
    assert float(conv["energy_j"]) == pytest.approx(30.0 * float(conv["duration_s"]))
    again = _in_context(tmp_path, "--models", str(models), "--budget", "5m")
    assert "0 measured, 2 already" in again.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--sample", "4"), "--sample builds Keras architectures, not .onnx ones"),
        (("--train",), "--train is not available for .onnx models"),
        (("--transformers", "5"), "--transformers runs KerasHub models in TensorFlow, not .onnx ones"),
        (("--models", str(EXAMPLES / "resnet50.json")), "--models: .onnx and Keras files together"),
    ],
)
def test_what_an_onnx_campaign_cannot_do_is_one_line_and_exit_2(tmp_path, args, expected):
    pytest.importorskip("onnxruntime")
    from tests.graph.onnx.builders import conv_model

    path = conv_model(tmp_path / "conv.onnx", dims=("batch", 3, 32, 32))
    result = _in_context(tmp_path, "--models", str(path), *args)
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and expected in result.output


def test_transformers_do_not_profile_training_steps_yet_one_line_exit_2_nothing_written(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["calibrate", "--name", "x", "--in-context", "--train", "--transformers", "5", "--sample", "0",
         "--models", str(EXAMPLES / "resnet50.json"), "--measurements", str(tmp_path / "m.csv")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: --train is not available with --transformers yet: prefill and decode only"
    ]
    assert not (tmp_path / "m.csv").exists()
