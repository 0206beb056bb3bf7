"""Reading a model file that is not what it claims: every case is a ModelReadError that names
the file and the problem, never another exception, a hang or a read without bound."""

from __future__ import annotations

import contextlib
import json
import os
import struct
import threading
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

from energy_lint.errors import ModelReadError
from energy_lint.graph import files, read_model
from tests import tiny_models

pytestmark = pytest.mark.keras

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def real(tiny_mlp: dict[str, Path]) -> dict[str, Path]:
    """A tiny Keras 3 model as .keras, .h5 and .json, and its weights alone (conftest.py)."""
    return tiny_mlp


def read_error(path: Path) -> str:
    """The problem read_model reports for `path`, after checking the error names the file."""
    with pytest.raises(ModelReadError) as caught:
        read_model(path)
    error = caught.value
    assert error.path == str(path)
    assert str(error) == f"{path}: {error.problem}"
    assert "\n" not in str(error)
    return error.problem


def test_the_real_files_read(real: dict[str, Path]) -> None:
    """The baseline every damaged file below is made from."""
    for fmt in tiny_models.KERAS3_FORMATS:
        assert read_model(real[fmt]).params == 51


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".json"])
def test_empty_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    assert read_error(path) == "file is empty"


def test_truncated_keras_zip(real: dict[str, Path], tmp_path: Path) -> None:
    data = real["keras"].read_bytes()
    path = tmp_path / "truncated.keras"
    path.write_bytes(data[: len(data) // 2])
    assert read_error(path).startswith("corrupt or truncated .keras archive")


def test_truncated_h5(real: dict[str, Path], tmp_path: Path) -> None:
    data = real["h5"].read_bytes()
    path = tmp_path / "truncated.h5"
    path.write_bytes(data[: len(data) // 2])
    assert read_error(path).startswith("corrupt or truncated HDF5 file")


def test_truncated_json(real: dict[str, Path], tmp_path: Path) -> None:
    text = real["json"].read_text()
    path = tmp_path / "truncated.json"
    path.write_text(text[: len(text) // 2])
    assert read_error(path).startswith("file is not valid JSON")


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".json"])
def test_random_bytes(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"random{suffix}"
    path.write_bytes(b"\x00\x13garbage" + bytes(range(256)) * 8)
    assert read_error(path) == f"named {suffix} but its content is not a format energy-lint reads"


@pytest.mark.parametrize(
    ("source", "suffix", "content"),
    [
        ("h5", ".keras", "HDF5"),
        ("json", ".keras", "JSON"),
        ("keras", ".h5", "a .keras zip archive"),
        ("json", ".h5", "JSON"),
        ("keras", ".json", "a .keras zip archive"),
        ("h5", ".json", "HDF5"),
    ],
)
def test_mislabelled_file(
    real: dict[str, Path], tmp_path: Path, source: str, suffix: str, content: str
) -> None:
    path = tmp_path / f"mislabelled{suffix}"
    path.write_bytes(real[source].read_bytes())
    assert read_error(path) == f"named {suffix} but its content is {content}"


@pytest.mark.parametrize(
    "document",
    [{"name": "a-package", "version": "1.0.0"}, [1, 2, 3], {"class_name": 7}],
    ids=["package.json", "list", "class_name-not-text"],
)
def test_json_that_is_not_a_model(tmp_path: Path, document: object) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps(document))
    assert (
        read_error(path)
        == "not a Keras model config (no class_name) nor a Hugging Face config.json (no model_type)"
    )


def test_json_scalar_is_not_a_format(tmp_path: Path) -> None:
    path = tmp_path / "scalar.json"
    path.write_text('"just a string"')
    assert "not a format energy-lint reads" in read_error(path)


def test_zip_without_config_json(tmp_path: Path) -> None:
    path = tmp_path / "weights-only.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", '{"keras_version": "3.0.0"}')
        archive.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n")
    assert read_error(path) == "zip archive has no config.json: not a .keras model"


def _zip_bomb(path: Path, mebibytes: int) -> None:
    """config.json of `mebibytes` MiB of spaces: it deflates to about 1/1000 of that."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("config.json", "w") as out:
        block = b" " * (1 << 20)
        for _ in range(mebibytes):
            out.write(block)


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "bomb.keras"
    _zip_bomb(path, 200)
    return path


def test_zip_bomb_is_refused(zip_bomb: Path) -> None:
    assert zip_bomb.stat().st_size < 2 << 20
    assert read_error(zip_bomb) == "config.json is larger than 64 MiB"


def test_zip_bomb_that_lies_about_its_size(zip_bomb: Path, tmp_path: Path) -> None:
    """A member declaring 1000 bytes is cut there by zipfile and fails its CRC: read in small
    pieces, it is never inflated to the cap (the CLI test measures the memory)."""
    data = bytearray(zip_bomb.read_bytes())
    data[22:26] = struct.pack("<I", 1000)  # uncompressed size in the local header
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<I", 1000)  # ... and in the central directory
    path = tmp_path / "liar.keras"
    path.write_bytes(bytes(data))
    assert read_error(path).startswith("corrupt or truncated .keras archive (Bad CRC-32")


def test_encrypted_config_json(real: dict[str, Path], tmp_path: Path) -> None:
    """zipfile asks for a password with a RuntimeError; the reader names the problem instead."""
    path = tmp_path / "encrypted.keras"
    with zipfile.ZipFile(real["keras"]) as source, zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", source.read("config.json"))
    data = bytearray(path.read_bytes())
    data[6] |= 0x1  # the "encrypted" flag of the only member's local header
    data[data.index(b"PK\x01\x02") + 8] |= 0x1  # ... and of its central directory entry
    path.write_bytes(bytes(data))
    assert read_error(path) == "config.json in the .keras archive is encrypted"


def test_json_file_over_the_cap(
    real: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = real["json"].read_text()
    monkeypatch.setattr(files, "MAX_CONFIG_BYTES", len(text) - 1)
    path = tmp_path / "big.json"
    path.write_text(text)
    assert read_error(path).startswith("JSON file is larger than")


def test_h5_model_config_over_the_cap(real: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_CONFIG_BYTES", 100)
    assert read_error(real["h5"]).startswith("model_config is larger than")


def test_weights_only_h5(real: dict[str, Path]) -> None:
    assert read_error(real["weights"]) == "HDF5 file has no model_config attribute (a weights-only file?)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, "model_config attribute is not text"),
        (np.arange(10), "model_config attribute is an array of 10 values, not one string"),
        (np.array([b"{}", b"[]"]), "model_config attribute is an array of 2 values, not one string"),
    ],
    ids=["number", "numbers", "array-of-text"],
)
def test_h5_model_config_that_is_not_text(tmp_path: Path, value: object, expected: str) -> None:
    """An array is refused from its shape, before libhdf5 decodes an element of it."""
    path = tmp_path / "odd.h5"
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = value
    assert read_error(path) == expected


def test_h5_model_config_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "odd.h5"
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = '{"class_name": '
    assert read_error(path).startswith("model_config is not valid JSON")


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_deeply_nested_json(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(_deep(100_000))
    assert read_error(path) == "file is nested too deeply"


def test_deeply_nested_config_json_in_zip(tmp_path: Path) -> None:
    path = tmp_path / "deep.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", _deep(100_000))
    assert read_error(path) == "config.json is nested too deeply"


def test_deeply_nested_model_config_in_h5(tmp_path: Path) -> None:
    path = tmp_path / "deep.h5"
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = _deep(100_000)
    assert read_error(path) == "model_config is nested too deeply"


def test_deeply_nested_object_inside_a_model(tmp_path: Path) -> None:
    """Valid JSON all the way down is still refused by the config walk, not by a traceback."""
    config = json.loads((EXAMPLES / "vgg16.json").read_text())
    nested: list = []
    for _ in range(900):
        nested = [nested]
    config["config"]["layers"][1]["inbound_nodes"][0]["args"].append(nested)
    path = tmp_path / "deep-args.json"
    path.write_text(json.dumps(config))
    assert read_error(path) == "model config is nested too deeply"


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".json"])
def test_directory_named_like_a_model(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"model{suffix}"
    path.mkdir()
    (path / "config.json").write_text("{}")
    assert read_error(path) == "is a directory, not a model file"


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".json", ".onnx"])
def test_missing_file(tmp_path: Path, suffix: str) -> None:
    assert read_error(tmp_path / f"missing{suffix}") == "no such file"


def test_dangling_symlink(tmp_path: Path) -> None:
    link = tmp_path / "link.keras"
    link.symlink_to(tmp_path / "gone.keras")
    assert read_error(link) == "no such file"


def test_file_that_is_no_model_format(tmp_path: Path) -> None:
    path = tmp_path / "model.txt"
    path.write_text("{}")
    assert read_error(path) == "not a model file (expected .keras, .h5, .json or .onnx)"


def test_named_pipe_does_not_hang(tmp_path: Path) -> None:
    """Opening a FIFO blocks until a writer comes; a watchdog plays the writer after 10 s so that
    a regression fails this test (as 'file is empty') instead of hanging the suite."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)

    def release() -> None:
        with contextlib.suppress(OSError):  # no reader waiting: nothing to release
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    watchdog = threading.Timer(10, release)
    watchdog.start()
    try:
        assert read_error(fifo) == "is not a regular file (a pipe or a device?)"
    finally:
        watchdog.cancel()


def test_metadata_json_cannot_break_a_good_archive(real: dict[str, Path], tmp_path: Path) -> None:
    """metadata.json only gives the version: a corrupt one is an error, an odd one is ignored."""
    with zipfile.ZipFile(real["keras"]) as archive:
        config = archive.read("config.json")
    odd = tmp_path / "odd-metadata.keras"
    with zipfile.ZipFile(odd, "w") as archive:
        archive.writestr("config.json", config)
        archive.writestr("metadata.json", "[1, 2]")
    assert read_model(odd).keras_version is None
    broken = tmp_path / "broken-metadata.keras"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("config.json", config)
        archive.writestr("metadata.json", "{")
    assert read_error(broken).startswith("metadata.json is not valid JSON")


@pytest.mark.parametrize(
    ("suffix", "instead"),
    [
        (".pt", "export the model with torch.onnx.export and check the .onnx"),
        (".safetensors", "check its Hugging Face config.json"),
        (".tflite", "check the Keras model it was converted from"),
    ],
)
def test_a_format_with_no_architecture_says_what_to_check_instead(
    tmp_path: Path, suffix: str, instead: str
) -> None:
    path = tmp_path / f"model{suffix}"
    path.write_bytes(b"\x80\x02weights")
    problem = read_error(path)
    assert problem.startswith("not a model file (expected .keras, .h5, .json or .onnx): ")
    assert instead in problem and "\n" not in problem
