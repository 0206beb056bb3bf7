"""Training energy before training: the plan's arithmetic, the graph at the training batch, and
the estimate from a profile calibrated with --train (never "3 x forward")."""

from __future__ import annotations

import dataclasses

import pytest

from energy_lint.estimation.features import node_features
from energy_lint.estimation.forward_pass import estimate
from energy_lint.estimation.profile import find_profile, load_profile
from energy_lint.estimation.training_estimate import TrainingPlan, estimate_training, with_batch_size
from energy_lint.graph import read_model
from tests.check_cli import EXAMPLES
from tests.rules.cases import TRAINING_PROFILE, UNTRAINED_PROFILE


def test_steps_round_up_to_whole_batches() -> None:
    plan = TrainingPlan(epochs=3, training_samples=1000, validation_samples=100, batch_size=64)
    assert (plan.steps_per_epoch, plan.validation_steps) == (16, 2)
    assert (
        TrainingPlan(1, 64, 0, 64).steps_per_epoch == 1 and TrainingPlan(1, 64, 0, 64).validation_steps == 0
    )


@pytest.mark.parametrize("name", ["resnet50.json", "mobilenet_v3_small.json"])
def test_a_graph_rebatched_is_the_graph_read_at_that_batch(name: str) -> None:
    rebatched = with_batch_size(read_model(EXAMPLES / name, batch_size=1), 16)
    read = read_model(EXAMPLES / name, batch_size=16)
    assert rebatched.input_shapes == read.input_shapes and rebatched.batch_size == 16
    for mine, theirs in zip(rebatched.layers, read.layers, strict=True):
        assert dataclasses.asdict(mine) == dataclasses.asdict(theirs)
        if mine.input_shapes:  # an InputLayer has none, and no features
            assert node_features(mine) == node_features(theirs)


def test_a_profile_without_training_rows_gives_no_training_estimate() -> None:
    profile = load_profile(find_profile(UNTRAINED_PROFILE))
    assert profile.training is None
    graph = read_model(EXAMPLES / "mobilenet_v3_small.json")
    assert estimate_training(graph, profile, TrainingPlan(1, 10)) is None


def test_the_run_is_epochs_times_steps_and_validation_passes() -> None:
    profile = load_profile(find_profile(TRAINING_PROFILE))
    assert profile.training is not None and profile.training.generic is not None
    graph = read_model(EXAMPLES / "mobilenet_v3_small.json")
    plan = TrainingPlan(epochs=4, training_samples=1000, validation_samples=200, batch_size=32)
    found = estimate_training(graph, profile, plan)
    assert found is not None
    forward = estimate(read_model(EXAMPLES / "mobilenet_v3_small.json", batch_size=32), profile)
    assert found.validation_pass_j == pytest.approx(forward.energy_j)
    assert found.energy_j == pytest.approx(4 * (32 * found.step_j + 7 * found.validation_pass_j))
    low, high = found.interval_j
    assert low < found.energy_j < high
    # A training step does the forward pass and more: measured, it costs more than one.
    assert found.step_to_forward > 1.0
    doubled = estimate_training(graph, profile, dataclasses.replace(plan, epochs=8))
    assert doubled.energy_j == pytest.approx(2 * found.energy_j)
