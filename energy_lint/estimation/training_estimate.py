"""Training energy before training (the PRE idea of ../shared/research, seed 001), from the
profile rather than from a rule of thumb: a training step of each layer costs its predicted
forward energy times a measured training/forward ratio of its family (calibrate --train), the
profile's training correction turns the sum into a whole step, and

    training energy = epochs x (steps x one training step + validation steps x one forward pass)

with steps = ceil(training samples / batch size). "3 x forward" is never assumed: a profile
without training measurements gives no training estimate at all."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..errors import EnergyLintError
from ..graph import ModelGraph
from .forward_pass import Estimate, estimate
from .profile import FamilyPredictor, HardwareProfile, TrainingPredictors


@dataclass(frozen=True)
class TrainingPlan:
    """What [tool.energy-lint.training] says of one model's training run."""

    epochs: int
    training_samples: int
    validation_samples: int = 0
    batch_size: int = 32

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.training_samples / self.batch_size)

    @property
    def validation_steps(self) -> int:
        return math.ceil(self.validation_samples / self.batch_size)


@dataclass(frozen=True)
class TrainingEstimate:
    plan: TrainingPlan
    step_j: float
    """One training step (forward, backward, optimizer update) of one batch."""
    step_interval_j: tuple[float, float]
    validation_pass_j: float
    """One forward pass of one validation batch."""
    validation_interval_j: tuple[float, float]

    @property
    def epoch_j(self) -> float:
        return self.plan.steps_per_epoch * self.step_j + self.plan.validation_steps * self.validation_pass_j

    @property
    def energy_j(self) -> float:
        return self.plan.epochs * self.epoch_j

    @property
    def interval_j(self) -> tuple[float, float]:
        """The 90% interval of the whole run. A profile's error is systematic for one model
        (every step is the same computation), so the steps' errors add up rather than
        average out: the bounds of one step are multiplied, not shrunk."""
        plan = self.plan
        low = (
            plan.steps_per_epoch * self.step_interval_j[0]
            + plan.validation_steps * self.validation_interval_j[0]
        )
        high = (
            plan.steps_per_epoch * self.step_interval_j[1]
            + plan.validation_steps * self.validation_interval_j[1]
        )
        return plan.epochs * low, plan.epochs * high

    @property
    def step_to_forward(self) -> float:
        """The predicted training step / forward pass ratio of this model at this batch."""
        return self.step_j / self.validation_pass_j if self.validation_pass_j else math.nan


def with_batch_size(graph: ModelGraph, batch_size: int) -> ModelGraph:
    """The same graph at another batch size: shapes carry the batch first, MACs are per sample,
    so only the first dimension of each shape changes (no second read of the file)."""
    if batch_size == graph.batch_size:
        return graph

    def rebatch(shapes: list) -> list:
        return [(batch_size, *shape[1:]) if shape else shape for shape in shapes]

    layers = [
        replace(node, input_shapes=rebatch(node.input_shapes), output_shapes=rebatch(node.output_shapes))
        for node in graph.layers
    ]
    return replace(
        graph,
        batch_size=batch_size,
        layers=layers,
        input_shapes=rebatch(graph.input_shapes),
        output_shapes=rebatch(graph.output_shapes),
    )


def training_layer_sum(forward: Estimate, training: TrainingPredictors, params: int = 0) -> float:
    """The sum over layers of forward energy x the layer's predicted training/forward ratio,
    plus the optimizer's update of `params` parameters, before the training correction (what
    that correction is fitted on). The ratio predictors read the features the forward estimate
    already computed."""
    grouped: dict[str, tuple[FamilyPredictor, list[tuple[float, list[float]]]]] = {}
    for layer in forward.layers:
        if layer.energy_j <= 0 or not layer.priced:
            continue
        predictor = training.predictor_for(layer.family)
        if predictor is None:
            continue
        missing = [name for name in predictor.features if name not in layer.features]
        if missing:
            # A ratio predictor reads the forward estimate's features: one that is absent is a
            # profile out of step with this version, never a value to make up as 0.
            raise EnergyLintError(
                f"the training predictor for {predictor.family} reads {', '.join(missing)}, which "
                f"layer '{layer.name}' ({layer.type}) does not have: recalibrate the profile with "
                "this version of energy-lint"
            )
        vector = [layer.features[name] for name in predictor.features]
        grouped.setdefault(predictor.family, (predictor, []))[1].append((layer.energy_j, vector))
    total = training.update_j_per_param * params
    for predictor, items in grouped.values():
        log_ratios = predictor.ensemble.predict(np.array([vector for _, vector in items], dtype=np.float64))
        total += float(sum(energy * math.exp(r) for (energy, _), r in zip(items, log_ratios, strict=True)))
    return total


def _step_interval(
    step_j: float, profile: HardwareProfile, training: TrainingPredictors
) -> tuple[float, float]:
    """From the training correction's cross-validated residuals on whole models where it has
    them; otherwise the forward correction's widened by the ratio predictors' own."""
    interval = training.correction.interval_log
    if interval is None:
        forward_low, forward_high = profile.correction.interval_log or (0.0, 0.0)
        ratio_low, ratio_high = training.generic.interval_log if training.generic else (0.0, 0.0)
        interval = [forward_low + ratio_low, forward_high + ratio_high]
    return step_j * math.exp(interval[0]), step_j * math.exp(interval[1])


def estimate_training(
    graph: ModelGraph, profile: HardwareProfile, plan: TrainingPlan
) -> TrainingEstimate | None:
    """The training run's energy, or None when the profile has no training measurements."""
    training = profile.training
    if training is None:
        return None
    at_batch = with_batch_size(graph, plan.batch_size)
    forward = estimate(at_batch, profile)
    step = training.correction.predict_one(training_layer_sum(forward, training, at_batch.params))
    return TrainingEstimate(
        plan=plan,
        step_j=step,
        step_interval_j=_step_interval(step, profile, training),
        validation_pass_j=forward.energy_j,
        validation_interval_j=forward.interval_j,
    )
