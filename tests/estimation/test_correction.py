"""The whole-model correction kinds: each fits what it claims, survives profile.json, and the
robust kinds are not set by a few models the layers price badly."""

from collections.abc import Callable

import numpy as np
import pytest

from energy_lint.estimation.correction import (
    KINDS,
    AffineCorrection,
    Correction,
    LogLinearCorrection,
    RobustAffineCorrection,
    RobustLogLinearCorrection,
    relative_line,
)

pytest.importorskip("scipy")

SUMS = np.geomspace(0.01, 10.0, 12)


def affine_truth(sums: np.ndarray) -> np.ndarray:
    return 0.02 + 1.5 * sums


def loglinear_truth(sums: np.ndarray) -> np.ndarray:
    return 0.7 * sums**0.9


@pytest.mark.parametrize("cls", [AffineCorrection, RobustAffineCorrection])
def test_an_affine_kind_recovers_overhead_and_factor(cls: type[AffineCorrection]) -> None:
    fitted = cls().fit(SUMS, affine_truth(SUMS))
    assert fitted.overhead_j == pytest.approx(0.02, rel=1e-3)
    assert fitted.factor == pytest.approx(1.5, rel=1e-3)


@pytest.mark.parametrize("cls", [LogLinearCorrection, RobustLogLinearCorrection])
def test_a_loglinear_kind_recovers_its_line(cls: type[LogLinearCorrection]) -> None:
    fitted = cls().fit(SUMS, loglinear_truth(SUMS))
    assert fitted.slope == pytest.approx(0.9, rel=1e-3)
    assert np.exp(fitted.intercept) == pytest.approx(0.7, rel=1e-3)


@pytest.mark.parametrize(
    ("robust", "plain", "truth"),
    [
        (RobustAffineCorrection, AffineCorrection, affine_truth),
        (RobustLogLinearCorrection, LogLinearCorrection, loglinear_truth),
    ],
)
def test_a_few_badly_priced_models_cannot_set_a_robust_fit(
    robust: type[Correction], plain: type[Correction], truth: Callable[[np.ndarray], np.ndarray]
) -> None:
    """Twelve models on the line, three more whose layers were priced 6x too high."""
    extra = np.array([0.5, 1.0, 2.0])
    sums = np.concatenate([SUMS, 6 * extra])
    measured = np.concatenate([truth(SUMS), truth(extra)])
    inliers = slice(0, len(SUMS))

    def worst_inlier_error(kind: type[Correction]) -> float:
        predicted = kind().fit(sums, measured).predict(sums)[inliers]
        return float(np.max(np.abs(predicted / measured[inliers] - 1)))

    assert worst_inlier_error(robust) < 0.1
    assert worst_inlier_error(plain) > 2 * worst_inlier_error(robust)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_survives_profile_json(kind: str) -> None:
    fitted = KINDS[kind]().fit(SUMS, affine_truth(SUMS))
    fitted.interval_log = (-0.2, 0.3)
    again = Correction.from_dict(fitted.to_dict())
    assert type(again) is KINDS[kind]
    assert again.predict(SUMS) == pytest.approx(fitted.predict(SUMS), rel=1e-12)
    assert again.interval(2.0) == pytest.approx((2.0 * np.exp(-0.2), 2.0 * np.exp(0.3)))


@pytest.mark.parametrize("cls", [AffineCorrection, RobustAffineCorrection])
def test_an_affine_kind_never_fits_a_negative_overhead(cls: type[AffineCorrection]) -> None:
    """Whole models that cost less than their layers by a fixed amount would pull the free line
    below zero, and the smallest model would be priced at nothing or less."""
    measured = np.maximum(1.2 * SUMS - 0.005, 1e-3)
    assert relative_line(SUMS, measured)[0] < 0  # the free line would go below zero
    fitted = cls().fit(SUMS, measured)
    assert fitted.overhead_j >= 0.0
    assert np.all(fitted.predict(np.array([1e-6, 1e-4, SUMS.min()])) > 0)


def test_a_negative_overhead_from_an_older_profile_is_read_as_none() -> None:
    entry = {"kind": "affine-robust", "overhead_j": -0.0004, "factor": 0.99, "interval_log": [-0.5, 0.6]}
    correction = Correction.from_dict(entry)
    assert correction.predict_one(1.85e-4) == pytest.approx(0.99 * 1.85e-4)
    low, high = correction.interval(correction.predict_one(1.85e-4))
    assert 0 < low < high
