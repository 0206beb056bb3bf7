"""The per-file boundary: an exception nobody expected while reading or pricing one file (a bug,
or an input no check catches yet) becomes that file's one line `error: PATH: unexpected TYPE
while ...: message`, exit 2 at the end; the JSON document stays whole and the files after it are
reported. The bug is planted in a real layer spec (EinsumDense, which only the zoo model uses)
and in the real pricing, so every other part of the run is the real one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from energy_lint.cli.app import cli
from energy_lint.engine.reading import read_each
from energy_lint.errors import ModelReadError
from energy_lint.estimation import forward_pass
from energy_lint.graph import layers
from energy_lint.graph.layers.base import LayerCall, LayerResult
from tests import tiny_models

pytestmark = pytest.mark.keras


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """bad.json (the zoo, with an EinsumDense) between two good models, and an empty config."""
    directory = tmp_path_factory.mktemp("models")
    keras = tiny_models.keras3()
    paths = {
        "first": tiny_models.save(tiny_models.mlp(keras), directory, "a-first", ("json",))["json"],
        "bad": tiny_models.save(tiny_models.zoo(keras), directory, "b-bad", ("json",))["json"],
    }
    paths["last"] = directory / "c-last.json"
    shutil.copyfile(paths["first"], paths["last"])
    (directory / "energy-lint.toml").write_text("")
    paths["config"] = directory / "energy-lint.toml"
    return paths


def _bug(call: LayerCall) -> LayerResult:
    raise ZeroDivisionError("division by zero")


@pytest.fixture
def buggy_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(layers.LAYER_SPECS, "EinsumDense", _bug)


def test_read_each_turns_a_bug_into_that_files_error(files: dict[str, Path], buggy_spec: None) -> None:
    errors: list[ModelReadError] = []
    shown: list[ModelReadError] = []
    order = [files["first"], files["bad"], files["last"]]
    graphs = list(read_each(order, errors, 1, (), on_error=shown.append))
    assert [graph.path for graph in graphs] == [str(files["first"]), str(files["last"])]
    assert errors == shown
    assert [str(error) for error in errors] == [
        f"{files['bad']}: unexpected ZeroDivisionError while reading it: division by zero "
        "(please report this file)"
    ]


def run(files: dict[str, Path], command: str) -> tuple[int, list[str], dict]:
    args = [command, "--format", "json", *(str(files[k]) for k in ("first", "bad", "last"))]
    if command == "check":
        args[1:1] = ["--config", str(files["config"])]
    result = CliRunner().invoke(cli, args)
    assert isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stderr.splitlines(), json.loads(result.stdout)


@pytest.mark.parametrize("command", ["inspect", "check"])
def test_a_reading_bug_is_one_line_and_the_run_goes_on(
    files: dict[str, Path], buggy_spec: None, command: str
) -> None:
    code, stderr, document = run(files, command)
    assert code == 2
    assert stderr == [
        f"error: {files['bad']}: unexpected ZeroDivisionError while reading it: division by zero "
        "(please report this file)"
    ]
    assert [model["path"] for model in document["models"]] == [str(files["first"]), str(files["last"])]
    assert [error["path"] for error in document["errors"]] == [str(files["bad"])]


def test_a_numpy_overflow_while_pricing_is_that_models_error(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A figure computed through an overflow is nonsense: the model's error, not a RuntimeWarning
    on stderr beside a number (the overflow is planted in the real feature vector of the zoo's
    EinsumDense, which the real trees then read)."""
    real = forward_pass.node_features

    def overflowing(node, batch=None):  # type: ignore[no-untyped-def]
        features = real(node, batch)
        if node.type == "EinsumDense":
            np.float32(3e38) * np.float32(10)  # what a feature past float32 did in trees.py
        return features

    monkeypatch.setattr(forward_pass, "node_features", overflowing)
    code, stderr, document = run(files, "check")
    assert code == 2
    assert len(stderr) == 1
    assert stderr[0].startswith(f"error: {files['bad']}: unexpected FloatingPointError while pricing it: ")
    assert stderr[0].endswith("(please report this file)")
    assert [model["path"] for model in document["models"]] == [str(files["first"]), str(files["last"])]
