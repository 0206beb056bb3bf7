"""The rule registry: one module per rule, listed here explicitly (no discovery, no plugins
loaded by name), in code order. Codes: EL1xx budgets, EL2xx where the energy goes, EL3xx how
far the estimate can be trusted."""

from __future__ import annotations

from . import (
    accuracy_per_energy,
    co2e_budget,
    dominant_layer,
    energy_regression,
    extrapolated_layer,
    forward_pass_budget,
    generic_predictor,
    partial_estimate,
    per_sample_budget,
    per_token_budget,
    training_budget,
    training_not_estimated,
    unknown_layer,
)
from .base import ERROR, WARNING, Finding, Rule

RULES: tuple[Rule, ...] = tuple(
    Rule.from_module(module)
    for module in (
        forward_pass_budget,
        per_sample_budget,
        co2e_budget,
        energy_regression,
        training_budget,
        accuracy_per_energy,
        per_token_budget,
        dominant_layer,
        extrapolated_layer,
        generic_predictor,
        unknown_layer,
        training_not_estimated,
        partial_estimate,
    )
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}

__all__ = [
    "ERROR",
    "RULES",
    "RULES_BY_CODE",
    "WARNING",
    "Finding",
    "Rule",
]


def selected_codes(
    select: tuple[str, ...] = ("EL",), ignore: tuple[str, ...] = (), extend_select: tuple[str, ...] = ()
) -> set[str]:
    """Codes enabled by prefix, as ruff does: the most specific matching prefix decides, and on
    a tie ignore wins."""
    chosen = set()
    for rule in RULES:
        selected = max((len(p) for p in (*select, *extend_select) if rule.code.startswith(p)), default=-1)
        ignored = max((len(p) for p in ignore if rule.code.startswith(p)), default=-1)
        if selected > ignored:
            chosen.add(rule.code)
    return chosen
