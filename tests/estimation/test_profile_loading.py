"""A profile's trees are read when they first predict, not when the profile loads: a damaged
predictor file is still a one-line ProfileError naming the profile, raised where it is used."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from energy_lint.estimation.forward_pass import estimate
from energy_lint.estimation.profile import ProfileError, default_profile, load_profile
from energy_lint.graph import read_model

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_a_damaged_predictor_file_is_a_profile_error_when_it_is_first_needed(tmp_path: Path) -> None:
    copy = tmp_path / "profile"
    shutil.copytree(default_profile(), copy)
    (copy / "dense.npz").write_bytes(b"not a zip archive")
    profile = load_profile(copy)  # loads: the trees are not read yet
    graph = read_model(EXAMPLES / "resnet50.json")
    with pytest.raises(ProfileError, match=r"corrupt profile \(dense\.npz: ") as raised:
        estimate(graph, profile)  # ResNet50 ends in a Dense layer
    assert str(copy) in str(raised.value) and "\n" not in str(raised.value)
    (copy / "conv.npz").unlink()
    with pytest.raises(ProfileError, match="corrupt profile"):
        load_profile(copy)  # a missing file is still found at load


def test_a_predictor_reading_a_feature_this_version_lacks_is_a_profile_error(tmp_path: Path) -> None:
    """A profile fitted by another version (a renamed feature) is refused naming the feature, not
    a KeyError traceback or a price made up without it."""
    copy = tmp_path / "profile"
    shutil.copytree(default_profile(), copy)
    meta = json.loads((copy / "profile.json").read_text())
    meta["families"]["dense"]["features"][-1] = "log_model_weight_bytes"
    (copy / "profile.json").write_text(json.dumps(meta))
    message = "dense predictor reads log_model_weight_bytes, which this energy-lint does not compute"
    with pytest.raises(ProfileError, match=message) as raised:
        estimate(read_model(EXAMPLES / "resnet50.json"), load_profile(copy))
    assert "\n" not in str(raised.value)


def test_a_fusion_table_it_cannot_read_is_a_profile_error(tmp_path: Path) -> None:
    copy = tmp_path / "profile"
    shutil.copytree(default_profile().parent / "cpu-epyc-2core-ort", copy)
    meta = json.loads((copy / "profile.json").read_text())
    assert load_profile(copy).fusion is not None
    meta["fusion"]["levels"] = meta["fusion"]["levels"][1:]
    (copy / "profile.json").write_text(json.dumps(meta))
    with pytest.raises(ProfileError, match=r"corrupt profile.*other context levels") as raised:
        load_profile(copy)
    assert "\n" not in str(raised.value)
