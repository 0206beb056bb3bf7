"""What:
    The predicted energy per generated token (one decode step with a key/value cache, averaged
    over the configured `generated-tokens` after a prompt of `sequence-length` tokens) is over
    the `per-token` budget. An encoder, which generates nothing, is held to its prefill energy
    per prompt token. Only models built from their configuration (KerasHub backbones, Hugging
    Face config.json) have a per-token figure.

Why:
    A language model is paid for per token: the forward pass of the prompt is paid once, every
    generated token is paid again, and each costs more as the context grows.

Example:
    sequence-length = 512
    generated-tokens = 256
    [tool.energy-lint.budgets]
    per-token = "2 J"   # 3.4 J per generated token: EL107
"""

from __future__ import annotations

from collections.abc import Iterator

from ..results import ModelResult
from ..units import format_energy
from .base import ERROR, Finding

CODE = "EL107"
NAME = "per-token-over-budget"
SEVERITY = ERROR


def check(model: ModelResult) -> Iterator[Finding]:
    budget = model.budgets.per_token_j
    generation = model.generation
    if budget is None or generation is None or generation.per_token_j <= budget:
        return
    what = "generated token" if generation.generated_tokens else "prompt token"
    yield Finding(
        f"{format_energy(generation.per_token_j)} per {what} is over the budget of {format_energy(budget)}"
    )
