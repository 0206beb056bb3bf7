"""The whole-model correction is chosen, and its interval judged, one architecture family out
at a time."""

import numpy as np
import pytest

from energy_lint.calibration.correction_fit import MIN_MODELS, fit_correction

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
