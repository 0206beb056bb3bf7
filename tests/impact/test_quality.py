"""Accuracy per energy: where the quality comes from, and what the score rewards."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from energy_lint.errors import EnergyLintError
from energy_lint.impact.quality import (
    QualitySettings,
    choose_quality,
    parse_sidecar,
    points_needed,
    read_sidecar,
    score,
    sidecar_path,
)


def test_the_sidecar_sits_beside_the_model_under_its_stem() -> None:
    assert sidecar_path("models/resnet50.keras") == Path("models/resnet50.metrics.json")
    assert sidecar_path("a/b.json") == Path("a/b.metrics.json")


def test_the_sidecar_wins_over_the_configuration_and_falls_back_to_it(tmp_path: Path) -> None:
    model = tmp_path / "net.keras"
    assert choose_quality(read_sidecar(str(model)), "accuracy", 0.5).source == "configuration"
    sidecar_path(model).write_text('{"accuracy": 0.76, "top5": 0.93}')
    chosen = choose_quality(read_sidecar(str(model)), "accuracy", 0.5)
    assert chosen.value == 0.76 and chosen.source.endswith("net.metrics.json")
    # A sidecar that does not name the metric leaves the configured value.
    assert choose_quality(read_sidecar(str(model)), "bleu", 27.0).value == 27.0
    assert choose_quality(None, "accuracy", None) is None


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"{not json", "not valid JSON"), (b"[0.7]", "expected an object"), (b'{"accuracy": "high"}', "number")],
)
def test_a_bad_sidecar_is_one_line_naming_it(content: bytes, problem: str) -> None:
    with pytest.raises(EnergyLintError, match=problem) as raised:
        parse_sidecar("m.metrics.json", content, "accuracy")
    assert str(raised.value).startswith("m.metrics.json: ") and "\n" not in str(raised.value)


def test_ten_times_the_energy_costs_points_per_decade() -> None:
    settings = QualitySettings(points_per_decade=5.0)
    base = score(0.70, 3.6e6, settings)  # 1 kWh: log10 is 0
    assert base == pytest.approx(70.0)
    assert score(0.70, 3.6e7, settings) == pytest.approx(65.0)
    assert score(0.75, 3.6e7, settings) == pytest.approx(base)  # 5 points bought it back
    assert points_needed(1.0, 100.0, settings) == pytest.approx(10.0)
    assert points_needed(100.0, 1.0, settings) == pytest.approx(-10.0)
    assert math.isfinite(score(0.5, 0.0, settings))
