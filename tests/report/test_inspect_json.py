"""`inspect --format json` keeps contract 6: validated against a schema, totals add up."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tests.in_process import invoke

ROOT = Path(__file__).parents[2]
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "inspect-v1.schema.json").read_text())


def inspect_json(*args: str) -> tuple[int, dict]:
    result = invoke("inspect", "--format", "json", *args, cwd=ROOT)
    return result.returncode, json.loads(result.stdout)


def test_examples_validate_against_the_contract() -> None:
    code, document = inspect_json(str(ROOT / "examples"))
    assert code == 0
    jsonschema.validate(document, SCHEMA)
    assert len(document["models"]) == len(list((ROOT / "examples").glob("*.json")))
    for model in document["models"]:
        assert model["params"] == sum(layer["params"] for layer in model["layers"])
        assert model["macs"] == sum(layer["macs"] for layer in model["layers"])
        assert all(layer["known"] for layer in model["layers"])


def test_batch_size_sets_every_batch_dimension() -> None:
    code, document = inspect_json(str(ROOT / "examples" / "mobilenet_v2.json"), "--batch-size", "16")
    assert code == 0
    (model,) = document["models"]
    assert model["batch_size"] == 16
    assert model["input_shapes"] == [[16, 224, 224, 3]]
    assert {layer["output_shape"][0] for layer in model["layers"]} == {16}


def test_errors_and_models_share_one_document(tmp_path: Path) -> None:
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    code, document = inspect_json(str(ROOT / "examples" / "vgg16.json"), str(broken))
    assert code == 2
    jsonschema.validate(document, SCHEMA)
    assert [m["name"] for m in document["models"]] == ["vgg16"]
    assert [e["path"] for e in document["errors"]] == [str(broken)]


def test_an_onnx_model_validates_against_the_contract(tmp_path: Path) -> None:
    from tests.graph.onnx.builders import conv_model

    path = conv_model(tmp_path / "conv.onnx")
    code, document = inspect_json(str(path), "--input-shape", "3,16,16", "--batch-size", "2")
    assert code == 0
    jsonschema.validate(document, SCHEMA)
    (model,) = document["models"]
    assert model["format"] == "onnx" and model["input_shapes"] == [[2, 3, 16, 16]]
    assert model["macs"] == sum(layer["macs"] for layer in model["layers"]) == 8 * 16 * 16 * 27
