"""Locating a layer in its model file, for SARIF regions and GitHub annotations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from energy_lint.graph import read_model
from energy_lint.report.locations import FILE_START, LayerLocator, Position, relative_path
from tests.check_cli import EXAMPLES


def written(directory: Path, config: object, name: str = "model.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(config, indent=2))
    return path


@pytest.mark.parametrize("example", ["convnext_tiny.json", "resnet50.json"])
def test_every_layer_of_a_real_config_is_found_on_its_name_line(example: str, tmp_path: Path) -> None:
    """ConvNeXt nests Sequential blocks, whose layers the graph names outer/inner."""
    path = written(tmp_path, json.loads((EXAMPLES / example).read_text()))
    locator = LayerLocator()
    lines = path.read_text().splitlines()
    for node in read_model(path).layers:
        position = locator.position(str(path), node.name)
        inner = node.name.split("/")[-1]
        assert position.line > 1, node.name
        assert lines[position.line - 1].strip().startswith(f'"name": {json.dumps(inner)}')


def test_a_nested_layer_is_the_one_inside_its_outer_model(tmp_path: Path) -> None:
    """Two nested models both hold a "dense": outer/dense is the one after outer's name."""
    block = {"name": "dense", "class_name": "Dense"}
    path = written(
        tmp_path,
        {"layers": [{"name": "first", "layers": [block]}, {"name": "second", "layers": [block]}]},
    )
    lines = path.read_text().splitlines()
    dense = [number for number, line in enumerate(lines, 1) if '"name": "dense"' in line]
    locator = LayerLocator()
    assert locator.position(str(path), "first/dense").line == dense[0]
    assert locator.position(str(path), "second/dense").line == dense[1]
    assert locator.position(str(path), "dense@1").line == dense[0]  # a shared layer's second call
    assert locator.position(str(path), "third/dense") == FILE_START


def test_escaped_names_match_and_columns_count_utf16_units(tmp_path: Path) -> None:
    name = 'caf\u00e9 "gate"'
    path = tmp_path / "one_line.json"
    path.write_text('{"note": "\U0001f600", "layers": [{"name": ' + json.dumps(name) + "}]}")
    position = LayerLocator().position(str(path), name)
    prefix = path.read_text().split('"name"')[0]
    assert position == Position(1, len(prefix) + 1 + 1)  # the emoji is two UTF-16 units


def test_model_level_binary_and_missing_files_point_at_line_one(tmp_path: Path) -> None:
    path = written(tmp_path, {"layers": [{"name": "dense"}]})
    locator = LayerLocator()
    assert locator.position(str(path), None) == FILE_START
    assert locator.position(str(tmp_path / "model.keras"), "dense") == FILE_START
    assert locator.position(str(tmp_path / "missing.json"), "dense") == FILE_START


def test_paths_are_relative_to_the_current_directory_or_none_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert relative_path(str(tmp_path / "models" / "a b.json")) == "models/a b.json"
    assert relative_path("./models/../models/x.keras") == "models/x.keras"
    assert relative_path(str(tmp_path.parent / "other.json")) is None
