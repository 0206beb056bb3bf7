"""A training ratio predictor that reads a feature the forward estimate did not compute is a
profile out of step with the code: it is an error naming the layer and the feature, not a 0.0
made up in its place (which priced the step silently wrong)."""

from __future__ import annotations

import dataclasses

import pytest

from energy_lint.errors import EnergyLintError
from energy_lint.estimation.forward_pass import estimate
from energy_lint.estimation.profile import find_profile, load_profile
from energy_lint.estimation.training_estimate import training_layer_sum
from energy_lint.graph import read_model
from tests.check_cli import EXAMPLES
from tests.rules.cases import TRAINING_PROFILE


def test_a_missing_feature_is_an_error_not_zero() -> None:
    profile = load_profile(find_profile(TRAINING_PROFILE))
    assert profile.training is not None
    forward = estimate(read_model(EXAMPLES / "mobilenet_v3_small.json", batch_size=32), profile)
    assert training_layer_sum(forward, profile.training) > 0  # the profile as shipped reads them all
    family, predictor = next(iter(profile.training.families.items()))
    skewed = dataclasses.replace(predictor, features=(*predictor.features[:-1], "log_not_computed"))
    training = dataclasses.replace(profile.training, families={**profile.training.families, family: skewed})
    with pytest.raises(EnergyLintError, match=r"reads log_not_computed, which layer '.*' .* does not have"):
        training_layer_sum(forward, training)
