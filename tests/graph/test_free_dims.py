"""Variable-size inputs: `inspect` shows a model whose input leaves a dimension free as keras'
summary() does (exact params, None in shapes, MACs per unit of the free dimension) instead of
refusing it; `check` takes the size from `input-shape` in the configuration, for all models or
per path, so that a pre-commit hook over a repository with a sequence model works.

The model is SpliceAI's pattern, input (None, None, 4), built and saved by tf.keras 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from energy_lint.graph import read_model
from tests.check_cli import run_check
from tests.keras_models import keras_module, save


def splice_like(k: Any) -> Any:
    x = k.Input((None, 4))
    y = k.layers.Conv1D(8, 1, name="embed")(x)
    y = k.layers.Conv1D(8, 11, padding="same", dilation_rate=4, name="dilated")(y)
    y = k.layers.Cropping1D(50, name="crop")(y)
    return k.Model(x, k.layers.Conv1D(3, 1, activation="softmax", name="out")(y))


@pytest.fixture(scope="module")
def splice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    k = keras_module("keras2")
    model = splice_like(k)
    return save(model, tmp_path_factory.mktemp("splice"), "splice_like", "h5"), model.count_params()


def inspect_json(path: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "energy_lint", "inspect", "--format", "json", *args, str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_inspect_shows_free_dimensions_like_keras_summary(splice: tuple[Path, int]) -> None:
    path, params = splice
    result = inspect_json(path)
    assert result.returncode == 0, result.stderr
    model = json.loads(result.stdout)["models"][0]
    assert model["params"] == params
    assert model["input_shapes"] == [[1, None, 4]]
    assert model["output_shapes"] == [[1, None, 3]]
    assert model["free_dims"] == ["dimension 1 of input 'input_1'"]
    layers = {layer["name"]: layer for layer in model["layers"]}
    assert layers["dilated"]["macs"] is None
    assert (layers["dilated"]["macs_per_unit"], layers["dilated"]["macs_offset"]) == (11 * 8 * 8, 0)
    # After the crop, 100 positions fewer: 3*8 MACs per position, 100 positions less.
    assert (layers["out"]["macs_per_unit"], layers["out"]["macs_offset"]) == (24, -2400)


def test_free_dimension_macs_agree_with_a_fixed_size(splice: tuple[Path, int]) -> None:
    path, _ = splice
    fixed = read_model(path, input_shapes=[(5000, 4)])
    free = read_model(path, free_dims=True)
    assert free.macs_per_unit is not None and free.macs_offset is not None
    assert fixed.macs == free.macs_per_unit * 5000 + free.macs_offset


def test_check_takes_the_input_shape_from_the_configuration(splice: tuple[Path, int], tmp_path: Path) -> None:
    path, _ = splice
    refused = run_check(path, cwd=tmp_path)
    assert refused.returncode == 2 and "pass --input-shape" in refused.stderr
    (tmp_path / "energy-lint.toml").write_text("input-shape = [5000, 4]\n")
    assert run_check(path, cwd=tmp_path).returncode == 0


def test_check_takes_the_input_shape_from_an_override(splice: tuple[Path, int], tmp_path: Path) -> None:
    path, _ = splice
    (tmp_path / "energy-lint.toml").write_text(
        '[[overrides]]\npaths = ["**/splice_like.h5"]\nreason = "sequence model"\ninput-shape = [5000, 4]\n'
    )
    result = run_check(path, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["models"][0]["input_shape"] == [1, 5000, 4]


def test_bad_input_shape_in_the_configuration_is_refused(tmp_path: Path) -> None:
    (tmp_path / "energy-lint.toml").write_text('input-shape = ["5000", 4]\n')
    result = run_check(tmp_path, cwd=tmp_path)
    assert result.returncode == 2
    assert "input-shape must be a list of positive integers" in result.stderr
