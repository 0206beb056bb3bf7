"""profile.json says what its correction does: a profile whose correction is `none` used to
claim that the correction "adds back" the call's fixed cost, which nothing did."""

from __future__ import annotations

import json

import pytest

from energy_lint.calibration.profile_writer import target_text
from energy_lint.estimation.profile import BUNDLED


def test_no_correction_adds_nothing_back() -> None:
    text = target_text("none")
    assert "adds back" not in text
    assert "is not added back" in text


@pytest.mark.parametrize("path", sorted(BUNDLED.glob("*/profile.json")), ids=lambda p: p.parent.name)
def test_bundled_profiles_describe_their_own_correction(path) -> None:
    meta = json.loads(path.read_text())
    assert meta["target"] == target_text(meta["correction"]["kind"])
