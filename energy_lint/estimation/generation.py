"""Energy of a generation workload: the prefill (one forward pass over the prompt) and each
decode step with a key/value cache, where one new token's projections and MLP run once and its
attention reads every cached position, so a step costs more as the context grows.

Decode step t (1-based) of a prompt of P tokens attends to P + t positions (min(P + t, window)
on a sliding-window layer). Every node of a step but the attention products is independent of
t and is priced once; the attention products are priced at each step's context, all in one
batch per predictor. Past MAX_EXACT_STEPS steps, the steps are priced at MAX_EXACT_STEPS evenly
spaced contexts and the rest interpolated linearly (the attention cost is smooth in the
context); the figure says which."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..graph import LayerNode, ModelGraph
from .forward_pass import Estimate, LayerEstimate, price_layers
from .profile import HardwareProfile

MAX_EXACT_STEPS = 128


@dataclass(frozen=True)
class Workload:
    """What a model is asked to do: a prompt of `sequence_length` tokens, then
    `generated_tokens` new tokens one at a time."""

    sequence_length: int
    generated_tokens: int


@dataclass
class GenerationEstimate:
    prompt_tokens: int
    generated_tokens: int
    batch_size: int
    prefill_j: float
    decode_j: float
    """All decode steps of the batch together."""
    exact: bool
    """Whether every decode step was priced (False: sampled and interpolated)."""
    prefill_by_type: dict[str, float] = field(default_factory=dict)
    decode_by_type: dict[str, float] = field(default_factory=dict)
    """Layer-sum energy per layer class over all decode steps (before the whole-model
    correction), where the energy goes."""

    @property
    def per_token_j(self) -> float:
        """Energy per generated token of one sequence (the prefill's per prompt token for an
        encoder, which generates nothing)."""
        if self.generated_tokens:
            return self.decode_j / (self.generated_tokens * self.batch_size)
        return self.prefill_j / (self.prompt_tokens * self.batch_size)

    @property
    def per_1000_tokens_j(self) -> float:
        """Prefill plus decode over every token processed (prompt and generated), x 1000."""
        tokens = (self.prompt_tokens + self.generated_tokens) * self.batch_size
        return 1000.0 * (self.prefill_j + self.decode_j) / tokens


def _by_type(estimates: Sequence[LayerEstimate], counts: Sequence[float] | None = None) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for index, entry in enumerate(estimates):
        totals[entry.type] += entry.energy_j * (counts[index] if counts else 1.0)
    return dict(totals)


def _sum_over_steps(steps: np.ndarray, values: np.ndarray) -> float:
    """The sum over every step 1..steps[-1] of `values` interpolated linearly between the
    priced steps (what np.interp over every step gives), in closed form per segment, so that
    a billion generated tokens need no billion-element array."""
    if len(steps) == 1:
        return float(values[0])
    start, end = steps[:-1].astype(np.float64), steps[1:].astype(np.float64)
    low, high = values[:-1], values[1:]
    count = end - start
    segments = count * low + (high - low) / count * count * (count - 1) / 2
    return float(segments.sum() + values[-1])


def _steps(generated: int) -> tuple[np.ndarray, bool]:
    if generated <= MAX_EXACT_STEPS:
        return np.arange(1, generated + 1), True
    return np.unique(np.linspace(1, generated, MAX_EXACT_STEPS).round().astype(int)), False


def estimate_generation(
    graph: ModelGraph, profile: HardwareProfile, prefill: Estimate, workload: Workload
) -> GenerationEstimate | None:
    """The workload's figures for a model built from its configuration; None for any other."""
    spec = getattr(graph, "transformer", None)  # a TransformerGraph's; no other graph has one
    if spec is None:
        return None
    # The registry loads only with a transformer read: an .onnx run never imports it.
    from ..graph.architectures.base import ATTENTION_CORE, decode_parts

    prompt, batch = graph.sequence_length, graph.batch_size
    generated = workload.generated_tokens if spec.generates else 0
    result = GenerationEstimate(
        prompt, generated, batch, prefill.energy_j, 0.0, True, _by_type(prefill.layers)
    )
    if not generated:
        return result
    parts = decode_parts(spec, batch, prompt + 1)
    fixed = [(node, count) for node, count in parts if node.type != ATTENTION_CORE]
    cores = [(node, count) for node, count in parts if node.type == ATTENTION_CORE]
    fixed_counts = [float(count) for _, count in fixed]
    steps, exact = _steps(generated)
    # One attention call per (kind of block, step): its key length is the step's context,
    # capped by the block's window.
    rows: list[LayerNode] = []
    for template, _ in cores:
        window = template.config.get("sliding_window")
        query, key = template.input_shapes
        assert query is not None and key is not None
        for t in steps:
            context = int(prompt + t)
            attended = min(context, window) if window else context
            row = object.__new__(LayerNode)  # a copy of the template; dataclasses.replace is slow
            row.__dict__.update(template.__dict__)
            row.name, row.input_shapes = f"attention.core@{context}", [query, (key[0], attended, key[2])]
            rows.append(row)
    # One call for the step's fixed part and every attention row: one batch per predictor.
    priced = price_layers([node for node, _ in fixed] + rows, profile)
    fixed_estimates, core_estimates = priced[: len(fixed)], priced[len(fixed) :]
    fixed_sum = sum(
        entry.energy_j * count for entry, count in zip(fixed_estimates, fixed_counts, strict=True)
    )
    energies = np.array([entry.energy_j for entry in core_estimates]).reshape(len(cores), len(steps))
    counts = np.array([count for _, count in cores], dtype=np.float64)
    attention = counts @ energies
    step_energy = profile.correction.predict(fixed_sum + attention)
    result.decode_j = _sum_over_steps(steps, step_energy)
    result.exact = exact
    decode_by_type = {name: j * generated for name, j in _by_type(fixed_estimates, fixed_counts).items()}
    decode_by_type[ATTENTION_CORE] = _sum_over_steps(steps, attention)
    result.decode_by_type = decode_by_type
    return result
