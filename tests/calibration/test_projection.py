"""STEP-style projection: the first epoch never counts, a settled window decides the rate."""

from __future__ import annotations

import pytest

from energy_lint.calibration.projection import project, stable_from


def test_the_first_settled_window_after_the_first_epoch_is_found() -> None:
    assert stable_from([30.0, 12.0, 10.0, 10.2, 9.9, 10.1]) == 3
    assert stable_from([30.0, 10.0, 10.1, 9.95]) == 2
    assert stable_from([10.0, 10.0, 10.0]) is None  # the first epoch is not evidence of a rate
    assert stable_from([30.0, 10.0, 15.0, 20.0, 25.0]) is None


def test_a_settled_run_projects_measured_plus_the_rate_for_each_epoch_left() -> None:
    energies = [30.0, 12.0, 10.0, 10.2, 9.8]
    projection = project(energies, epochs_total=20)
    rate = (10.0 + 10.2 + 9.8) / 3
    assert projection.stable and projection.stable_from == 3
    assert projection.measured_j == pytest.approx(sum(energies))
    assert projection.energy_j == pytest.approx(sum(energies) + 15 * rate)
    low, high = projection.interval_j
    assert low == pytest.approx(sum(energies) + 15 * 9.8) and high == pytest.approx(sum(energies) + 15 * 10.2)


def test_an_unsettled_run_extends_its_last_epoch_and_says_so() -> None:
    projection = project([30.0, 12.0], epochs_total=10)
    assert not projection.stable
    assert projection.energy_j == pytest.approx(42.0 + 8 * 12.0)
    assert projection.interval_j == pytest.approx((42.0 + 8 * 12.0, 42.0 + 8 * 12.0))


def test_a_finished_run_projects_exactly_what_was_measured() -> None:
    energies = [30.0, 10.0, 10.0, 10.0]
    projection = project(energies, epochs_total=4)
    assert projection.energy_j == projection.measured_j == pytest.approx(60.0)
    with pytest.raises(ValueError):
        project([], epochs_total=3)
