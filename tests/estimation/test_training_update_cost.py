"""The optimizer's update, which no in-context layer row holds, is priced per parameter in the
training step; the default profile, calibrated with in-context training steps, carries it."""

from __future__ import annotations

import dataclasses

import pytest

from energy_lint.estimation.forward_pass import estimate
from energy_lint.estimation.profile import PREFERRED, find_profile, load_profile
from energy_lint.estimation.training_estimate import training_layer_sum
from energy_lint.graph import read_model
from tests.check_cli import EXAMPLES


def test_the_update_adds_its_cost_per_parameter_to_the_step() -> None:
    profile = load_profile(find_profile(PREFERRED[0]))
    assert profile.training is not None and profile.training.update_j_per_param > 0
    graph = read_model(EXAMPLES / "mobilenet_v3_small.json", batch_size=8)
    forward = estimate(graph, profile)
    without = dataclasses.replace(profile.training, update_j_per_param=0.0)
    layers_only = training_layer_sum(forward, without, graph.params)
    with_update = training_layer_sum(forward, profile.training, graph.params)
    assert with_update - layers_only == pytest.approx(profile.training.update_j_per_param * graph.params)
