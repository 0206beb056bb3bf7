"""Never a silent green: a directory with no model file in it is an input error (exit 2) that
says what was found and skipped, as pytest fails when it collects no test; the files named by
pre-commit with --skip-non-models are still skipped without a word."""

from __future__ import annotations

from pathlib import Path

from energy_lint.engine.discovery import discover
from tests.check_cli import EXAMPLES, run_check


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "models"
    empty.mkdir()
    result = run_check(empty, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {empty}: no model file found (.keras, .h5, .hdf5, .json, .onnx): the directory has no files"
    )
    assert "All checks passed." not in result.stdout


def test_directory_of_other_formats_says_what_was_skipped(tmp_path: Path) -> None:
    for name in ("a.tflite", "b.tflite", "model.pt", "m.weights.h5", "notes.json"):
        (tmp_path / name).write_text("{}")
    files, errors = discover([tmp_path])
    assert files == []
    assert [e.problem for e in errors] == [
        "no model file found (.keras, .h5, .hdf5, .json, .onnx); skipped 5 files: 2 .tflite, "
        "1 .json not a Keras config, 1 .pt, 1 weights-only .weights.h5"
    ]


def test_a_good_directory_beside_an_empty_one_is_still_checked(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_check(
        tmp_path / "empty", EXAMPLES / "mobilenet_v3_small.json", "--format", "json", cwd=tmp_path
    )
    assert result.returncode == 2
    assert '"path": "' + str(EXAMPLES / "mobilenet_v3_small.json") in result.stdout


def test_skip_non_models_keeps_its_meaning(tmp_path: Path) -> None:
    notes = tmp_path / "notes.json"
    notes.write_text('{"a": 1}')
    result = run_check("--skip-non-models", notes, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip().endswith("No model file was checked.")
