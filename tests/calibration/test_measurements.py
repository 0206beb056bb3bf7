"""The measurements CSV grows columns without losing a row: a file written before the pass and
optimizer columns existed is rewritten with them when a training row is appended."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from energy_lint.calibration.measurements import COLUMNS, IN_MODEL, TRAIN, append_row, pass_of, read_rows

OLD_COLUMNS = COLUMNS[: COLUMNS.index("case_key") + 1]


def old_file(path: Path) -> list[dict[str, str]]:
    rows = [
        {"layer_class": "Dense", "layer_config": json.dumps({"units": u}), "input_shape": json.dumps([8, 64]),
         "output_shape": json.dumps([8, u]), "energy_j": str(0.01 * u), "case_key": f"k{u}"}
        for u in (16, 32)
    ]  # fmt: skip
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=OLD_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def test_appending_a_training_row_to_an_old_file_keeps_every_old_row(tmp_path: Path) -> None:
    path = tmp_path / "measurements.csv"
    before = old_file(path)
    append_row(path, {"layer_class": "Dense", "layer_config": {"units": 16}, "input_shape": [8, 64],
                      "energy_j": 0.5, "case_key": "t16", "pass": TRAIN, "optimizer": "adam"})  # fmt: skip
    with path.open(newline="") as handle:
        header = next(csv.reader(handle))
    assert header == list(COLUMNS)
    rows = read_rows([path])
    assert len(rows) == 3
    for old, new in zip(before, rows, strict=False):
        assert new["energy_j"] == old["energy_j"] and new["case_key"] == old["case_key"]
        assert new["layer_config"] == json.loads(old["layer_config"]) and pass_of(new) == "forward"
    assert (
        pass_of(rows[2]) == TRAIN
        and rows[2]["optimizer"] == "adam"
        and rows[2]["layer_config"] == {"units": 16}
    )
    assert not list(tmp_path.glob(".measurements.csv.*"))  # no staging file left behind


def test_a_file_with_every_column_is_appended_to_in_place(tmp_path: Path) -> None:
    path = tmp_path / "measurements.csv"
    append_row(
        path, {"layer_class": "Add", "layer_config": {}, "input_shape": [[1, 4], [1, 4]], "energy_j": 1}
    )
    inode = path.stat().st_ino
    append_row(
        path, {"layer_class": "Add", "layer_config": {}, "input_shape": [[2, 4], [2, 4]], "energy_j": 2}
    )
    assert path.stat().st_ino == inode and len(read_rows([path])) == 2


def test_a_file_from_before_the_context_and_model_columns_gains_them(tmp_path: Path) -> None:
    path = tmp_path / "measurements.csv"
    before = [c for c in COLUMNS if c not in ("context", "model")]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=before)
        writer.writeheader()
        writer.writerow({"layer_class": "ReLU", "energy_j": "0.1", "case_key": "old", "pass": "forward"})
    append_row(
        path, {"layer_class": "Dense", "energy_j": 0.2, "case_key": "new", "context": IN_MODEL, "model": "m"}
    )
    rows = read_rows([path])
    assert [(r["case_key"], r["context"], r["model"]) for r in rows] == [
        ("old", "", ""),
        ("new", IN_MODEL, "m"),
    ]
    assert rows[0]["energy_j"] == "0.1" and rows[0]["pass"] == "forward"
