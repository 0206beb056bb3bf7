"""A directory of .onnx files is searched like one of Keras files; check prices what it finds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema

from energy_lint.engine.discovery import discover
from tests.graph.onnx.builders import conv_model

ROOT = Path(__file__).parents[2]
JSON_ZERO = ("--format", "json", "--exit-zero")


def test_onnx_files_are_found_in_directories(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    conv_model(tmp_path / "models" / "conv.onnx", dims=(1, 3, 32, 32))
    (tmp_path / "models" / "notes.txt").write_text("not a model")
    found, errors = discover([tmp_path / "models"])
    assert found == [tmp_path / "models" / "conv.onnx"] and errors == []


def test_check_prices_an_onnx_model_by_family(tmp_path: Path) -> None:
    path = conv_model(tmp_path / "conv.onnx", dims=(1, 3, 32, 32))
    result = subprocess.run(
        [sys.executable, "-m", "energy_lint", "check", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(
        document, json.loads((ROOT / "tests" / "schemas" / "check-v1.schema.json").read_text())
    )
    (model,) = document["models"]
    predictors = {layer["type"]: layer["predictor"] for layer in model["layers"]}
    assert predictors == {"Conv": "conv", "Relu": "activation"}
    assert model["energy_j"] > 0 and model["params"] == 8 * 3 * 3 * 3 + 8
    assert document["profile"]["name"] == "cpu-epyc-2core-ort"  # measured in onnxruntime


def test_a_run_of_onnx_and_keras_files_takes_the_keras_default(tmp_path: Path) -> None:
    """One profile prices the whole run: with a Keras file beside the .onnx, the default is the
    TensorFlow one, and the report says which."""
    path = conv_model(tmp_path / "conv.onnx", dims=(1, 3, 32, 32))
    keras_file = ROOT / "examples" / "mobilenet_v2.json"
    result = subprocess.run(
        [sys.executable, "-m", "energy_lint", "check", str(path), str(keras_file), *JSON_ZERO],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["profile"]["name"] == "cpu-xeon-2core-tf-ctx"


def test_symbolic_dims_from_the_configuration(tmp_path: Path) -> None:
    path = conv_model(tmp_path / "conv.onnx")  # (batch, 3, height, width)
    (tmp_path / "energy-lint.toml").write_text('batch-size = 2\ninput-shape = ["3,32,32"]\n')
    result = subprocess.run(
        [sys.executable, "-m", "energy_lint", "check", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    (model,) = json.loads(result.stdout)["models"]
    assert model["input_shapes"] == [[2, 3, 32, 32]]


def test_a_bad_input_shape_in_the_configuration_is_one_line(tmp_path: Path) -> None:
    path = conv_model(tmp_path / "conv.onnx")
    (tmp_path / "energy-lint.toml").write_text('input-shape = ["3,x,32"]\n')
    result = subprocess.run(
        [sys.executable, "-m", "energy_lint", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error:") and "input-shape" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_check_says_what_the_reader_assumed_as_inspect_does(tmp_path: Path) -> None:
    """A model that fixes its batch at 1 is priced at 1 whatever --batch-size says: check says
    so in its text and JSON reports, not only inspect."""
    path = conv_model(tmp_path / "fixed.onnx", dims=(1, 3, 32, 32))
    said = "the model fixes its batch at 1: --batch-size 4 does not apply"

    def check(*options: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "energy_lint", "check", str(path), "--batch-size", "4", *options],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )

    text = check("--exit-zero")
    assert text.returncode == 0, text.stderr
    assert f"note: {said}" in " ".join(text.stdout.split())
    document = json.loads(check(*JSON_ZERO).stdout)
    assert document["models"][0]["notes"] == [said] and document["models"][0]["batch_size"] == 1
