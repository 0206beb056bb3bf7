"""The whole-model correction is chosen, and its interval judged, one architecture family out
at a time."""

import numpy as np
import pytest

from energy_lint.calibration.correction_fit import MARGIN, MIN_MODELS, choose, fit_correction

pytest.importorskip("scipy")


def pairs(scale_of: dict[str, float]) -> list[tuple[float, float, str]]:
    """Five models per family: measured = 0.01 + scale x sum, with 5% noise."""
    rng = np.random.default_rng(3)
    out = []
    for family, scale in scale_of.items():
        for layer_sum in np.geomspace(0.05, 5.0, 5):
            out.append((float(layer_sum), float((0.01 + scale * layer_sum) * rng.lognormal(0, 0.05)), family))
    return out


def test_too_few_models_give_no_correction() -> None:
    fitted = fit_correction(pairs({"a": 1.0})[: MIN_MODELS - 1])
    assert fitted.kind == "none" and fitted.interval_log is None


def test_the_interval_is_judged_one_family_out() -> None:
    same = fit_correction(pairs({f"f{i}": 2.0 for i in range(6)}))
    spread = fit_correction(pairs({f"f{i}": s for i, s in enumerate((1.0, 1.5, 2.0, 3.0, 4.0, 6.0))}))
    assert same.info["cv"] == "leave one architecture family out"
    assert same.kind != "none"  # the layers are 2x low everywhere: any fitted kind beats none
    assert same.info["interval_high_over_low"] < spread.info["interval_high_over_low"]
    assert spread.info["interval_coverage"] < same.info["interval_coverage"]


def test_two_families_priced_11x_high_do_not_shrink_every_other_model() -> None:
    """Chosen by RMSPE, the plain affine won here by dividing every model by 5: an 11x
    overestimate counts as error 10 and an underestimate as at most 1. By the mean absolute log
    error, no."""
    inliers = pairs({f"f{i}": 1.0 for i in range(6)})
    outliers = [(11 * measured, measured, family) for _, measured, family in pairs({"o1": 1.0, "o2": 1.0})]
    fitted = fit_correction(inliers + outliers)
    assert fitted.info["chosen_by"].startswith("cv_mean_abs_log_error")
    ratios = [fitted.predict_one(layer_sum) / measured for layer_sum, measured, _ in inliers]
    assert 0.8 < float(np.median(ratios)) < 1.25


def test_a_correction_must_beat_none_by_the_margin_to_be_chosen() -> None:
    """A line fitted on a few dozen families that wins by less than MARGIN wins by the noise of
    the choice: none is kept."""
    close = {"none": 0.20, "affine": 0.20 * (1 - MARGIN / 2), "loglinear": 0.30}
    clear = {"none": 0.20, "affine": 0.20 * (1 - 2 * MARGIN), "loglinear": 0.30}
    assert choose(close) == "none"
    assert choose(clear) == "affine"
    assert choose({"affine": 0.1, "loglinear": 0.2}) == "affine"  # without none: the smallest
