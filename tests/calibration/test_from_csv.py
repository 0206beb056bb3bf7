"""`calibrate --from-csv` on other people's data (contract 3 as others write it): input_shape as
one list or a list of lists, no metadata columns, no duration_s, InputLayer rows that carry
energy, rows nobody can use, with and without whole-model rows. Through the real CLI: a profile
comes out, unusable rows are counted, and `check` prices a model with it."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from energy_lint.calibration.measurements import FORWARD, pass_of, read_rows
from energy_lint.estimation.profile import load_profile
from tests.check_cli import EXAMPLES, REPO, document, run_check

pytestmark = [pytest.mark.keras, pytest.mark.slow]

pytest.importorskip("sklearn")
pytest.importorskip("xgboost")

SOURCE = REPO / "calibration" / "cpu-epyc-2core-tf" / "measurements.csv"
CONTRACT = ("layer_class", "layer_config", "input_shape", "output_shape", "energy_j")
UNUSABLE = [
    {"layer_class": "Conv2D", "layer_config": "{not json", "input_shape": "[1, 8, 8, 3]", "energy_j": "0.01"},
    {"layer_class": "NoSuchLayer", "layer_config": "{}", "input_shape": "[1, 8]", "energy_j": "0.01"},
    {"layer_class": "Dense", "layer_config": '{"units": 4}', "input_shape": "[1, 8]", "energy_j": ""},
    {"layer_class": "Dense", "layer_config": '{"units": 4}', "input_shape": "[1, 8]", "energy_j": "-0.5"},
    {"layer_class": "Dense", "layer_config": '{"units": 4}', "input_shape": "", "energy_j": "0.01"},
]


def foreign_csv(directory: Path, whole_models: bool, families: set[str] | None = None) -> tuple[Path, int]:
    """The EPYC forward rows as another lab would write them; returns the file and how many of
    its rows cannot be used (garbage, InputLayer, a whole model whose file is missing)."""
    path = directory / "theirs.csv"
    unusable = len(UNUSABLE)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CONTRACT)
        writer.writeheader()
        for row in read_rows([SOURCE]):
            if pass_of(row) != FORWARD or row["layer_class"] == "Identity":
                continue
            if row["layer_class"] == "Model":
                if not whole_models:
                    continue
                model = (SOURCE.parent / row["layer_config"]["model"]).resolve()
                row["layer_config"] = {"model": os.path.relpath(model, directory)}
            elif families is not None and row["family"] not in families:
                continue
            shapes = row["input_shape"]
            if len(shapes) == 1:
                shapes = shapes[0]  # one input: one list, as contract 3 allows
            writer.writerow({
                "layer_class": row["layer_class"],
                "layer_config": json.dumps(row["layer_config"]),
                "input_shape": json.dumps(shapes),
                "output_shape": json.dumps(row["output_shape"]),
                "energy_j": row["energy_j"],
            })  # fmt: skip
        for batch in (1, 8, 32):
            config = {"batch_shape": [None, 224, 224, 3], "name": "input"}
            shape = json.dumps([batch, 224, 224, 3])
            writer.writerow({"layer_class": "InputLayer", "layer_config": json.dumps(config),
                             "input_shape": shape, "energy_j": "0.002"})  # fmt: skip
            unusable += 1
        writer.writerows(UNUSABLE)
        if whole_models:
            writer.writerow({"layer_class": "Model", "layer_config": json.dumps({"model": "missing.json"}),
                             "input_shape": "[1, 224, 224, 3]", "energy_j": "3.0"})  # fmt: skip
            unusable += 1
    return path, unusable


def calibrate(csv_path: Path, out: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "energy_lint", "calibrate", "--name", "theirs",
               "--from-csv", str(csv_path), "--out", str(out), "--candidates", "xgboost"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=1200, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.mark.parametrize("whole_models", [True, False])
def test_a_foreign_csv_fits_a_profile_that_check_uses(tmp_path: Path, whole_models: bool) -> None:
    families = None if whole_models else {"conv", "dense", "activation", "normalization", "elementwise"}
    path, unusable = foreign_csv(tmp_path, whole_models, families)
    out = tmp_path / "profile"
    result = calibrate(path, out)
    assert result.returncode == 0, result.stderr
    assert f"{unusable} rows skipped" in result.stderr
    profile = load_profile(out)
    assert profile.meta["dataset"]["skipped_rows"] == unusable
    assert all(p.prior is not None for p in profile.families.values())
    if whole_models:
        assert profile.meta["dataset"]["model_rows"] == 32
        assert profile.correction.kind != "none" and "interval_coverage" in profile.correction.info
    else:
        assert profile.meta["dataset"]["model_rows"] == 0 and profile.correction.kind == "none"
    checked = run_check(EXAMPLES / "mobilenet_v2.json", "--format", "json", cwd=tmp_path, profile=str(out))
    assert checked.returncode in (0, 1), checked.stderr
    model = document(checked)["models"][0]
    assert model["energy_j"] > 0 and model["energy_j_interval"][0] <= model["energy_j"]


def test_a_file_that_is_not_a_csv_of_measurements_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("layer_class,energy_j\nDense,oops\n")
    result = calibrate(path, tmp_path / "profile")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")


def test_rows_as_others_write_them_read_as_ours(tmp_path: Path) -> None:
    """A spreadsheet's export (byte-order mark, ';', CRLF), configs and shapes as Python
    literals and a None batch read as the same rows; non-finite energies and unknown classes
    are counted, not raised."""
    from energy_lint.calibration.fit import collect
    from energy_lint.calibration.measurements import read_rows

    ours = tmp_path / "ours.csv"
    ours.write_text(
        "layer_class,layer_config,input_shape,output_shape,energy_j,batch_size\n"
        'Dense,"{""units"": 4, ""use_bias"": true}","[2, 8]","[2, 4]",0.001,2\n'
        'Conv2D,"{""filters"": 3, ""kernel_size"": [3, 3]}","[1, 8, 8, 3]","[1, 6, 6, 3]",0.002,1\n'
    )
    theirs = tmp_path / "theirs.csv"
    theirs.write_bytes(
        "\ufefflayer_class;layer_config;input_shape;output_shape;energy_j;batch_size\r\n"
        "Dense;{'units': 4, 'use_bias': True};(None, 8);(None, 4);0.001;2\r\n"
        "Conv2D;{'filters': 3, 'kernel_size': (3, 3)};[None, 8, 8, 3];[None, 6, 6, 3];0.002;\r\n"
        "Dense;{'units': 4};[1, 8];[1, 4];nan;1\r\n"
        "dense;{'units': 4};[1, 8];[1, 4];0.001;1\r\n"
        "Dense;{'units': __import__('os').getcwd()};[1, 8];[1, 4];0.001;1\r\n".encode()
    )
    mine, other = collect(read_rows([ours])), collect(read_rows([theirs]))
    assert dict(other.by_family) == dict(mine.by_family)
    assert other.skipped == 3 and sum(other.skipped_why.values()) == 3
    assert other.skipped_why["layer class energy-lint does not know (Keras class names, case included)"] == 1
