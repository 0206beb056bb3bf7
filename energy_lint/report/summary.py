"""Figures several formats show in the same way: energy by layer type (the charts), the top
layers, and the change against a base."""

from __future__ import annotations

from collections.abc import Callable

from ..estimation.forward_pass import LayerEstimate, Pricing
from ..impact.hardware_comparison import cheapest
from ..results import ModelResult
from ..units import format_count, format_energy, format_mass


def energy_by_type(result: ModelResult, limit: int = 8) -> list[tuple[str, float]]:
    """(layer type, joules) from the most expensive down; past `limit` types the rest are one
    "other" bar, so that a chart stays readable for a model with forty kinds of layers."""
    totals: dict[str, float] = {}
    for layer in result.estimate.layers:
        totals[layer.type] = totals.get(layer.type, 0.0) + layer.energy_j
    ranked = sorted(((t, e) for t, e in totals.items() if e > 0), key=lambda item: item[1], reverse=True)
    if len(ranked) <= limit:
        return ranked
    head, tail = ranked[: limit - 1], ranked[limit - 1 :]
    return [*head, ("other", sum(energy for _, energy in tail))]


def top_layers(result: ModelResult, count: int = 5) -> list[LayerEstimate]:
    ranked = sorted(result.estimate.layers, key=lambda layer: layer.energy_j, reverse=True)
    return [layer for layer in ranked[:count] if layer.energy_j > 0]


def change_text(result: ModelResult) -> str:
    """ "+12.3%", "-4.0%", "new", "unchanged", or "" when no base was asked for."""
    base = result.base
    if base is None:
        return ""
    if base.energy_j is None:
        return "new"
    change = result.change
    if change is None or abs(change) < 0.0005:
        return "unchanged"
    return f"{change:+.1%}"


def change_phrase(
    result: ModelResult, strong: Callable[[str], str] = str, quote: Callable[[str], str] = str
) -> str:
    """ "+12.3% against origin/main (315 mJ)", "new (not in origin/main)", or "" when no base was
    asked for; `strong` and `quote` wrap the change and the base's name in a format's markup."""
    base = result.base
    if base is None:
        return ""
    if base.energy_j is None:
        return f"{strong('new')} (not in {quote(base.source)})"
    return f"{strong(change_text(result))} against {quote(base.source)} ({format_energy(base.energy_j)})"


def training_phrase(result: ModelResult) -> str:
    """ "10 epochs x 1,563 steps at batch 32 + 313 validation passes: 4.2 kJ (90%: 3.1 kJ to
    5.9 kJ), 0.51 g CO2e; a step costs 2.9x a forward pass", "not estimated (...)", or "" when
    no training is configured."""
    plan, training = result.training_plan, result.training
    if plan is None:
        return ""
    run = f"{plan.epochs} epochs x {plan.steps_per_epoch:,} steps at batch {plan.batch_size}"
    if plan.validation_steps:
        run += f" + {plan.validation_steps:,} validation passes"
    if training is None:
        return f"{run}: not estimated (the profile has no training measurements)"
    low, high = training.interval_j
    co2e = f", {format_mass(result.training_co2e_g)} CO2e" if result.training_co2e_g is not None else ""
    interval = f"90%: {format_energy(low)} to {format_energy(high)}"
    return (
        f"{run}: {format_energy(training.energy_j)} ({interval}){co2e}; "
        f"a step costs {training.step_to_forward:.2g}x a forward pass"
    )


def quality_phrase(result: ModelResult) -> str:
    """ "accuracy 0.761 (models/a.metrics.json) · score 96.4 for 2.1 kWh in use (training +
    10M inferences)", or "" when the model declares no quality."""
    quality, settings = result.quality, result.quality_settings
    if quality is None or settings is None or result.score is None:
        return ""
    parts = ["training"] if result.training is not None else []
    parts.append(f"{format_count(result.inferences)} inferences")
    return (
        f"{settings.metric} {quality.value:g} ({quality.source}) · accuracy-per-energy score "
        f"{result.score:.2f} for {format_energy(result.use_energy_j)} in use ({' + '.join(parts)})"
    )


def _shares(by_type: dict[str, float], top: int = 3) -> str:
    total = sum(by_type.values()) or 1.0
    ranked = sorted(by_type.items(), key=lambda item: -item[1])[:top]
    return ", ".join(f"{name} {100 * joules / total:.0f}%" for name, joules in ranked)


def generation_phrase(result: ModelResult) -> str:
    """ "prompt 128 tokens: prefill 1.2 J (Dense 80%, ...) · 128 generated tokens: 95 mJ per
    token with a KV cache (Dense 90%, ...) · 1.4 J per 1,000 tokens"; empty for a model not
    built from its configuration."""
    generation = result.generation
    if generation is None:
        return ""
    parts = [
        f"prompt {generation.prompt_tokens} tokens: prefill {format_energy(generation.prefill_j)} "
        f"({_shares(generation.prefill_by_type)})"
    ]
    if generation.generated_tokens:
        sampled = "" if generation.exact else ", steps sampled and interpolated"
        parts.append(
            f"{generation.generated_tokens} generated tokens: {format_energy(generation.per_token_j)} "
            f"per token with a KV cache ({_shares(generation.decode_by_type)}{sampled})"
        )
    else:
        parts.append(f"no decode phase: {format_energy(generation.per_token_j)} per prompt token")
    parts.append(f"{format_energy(generation.per_1000_tokens_j)} per 1,000 tokens")
    return " · ".join(parts)


def extra_lines(result: ModelResult) -> list[tuple[str, str]]:
    """(label, plain text) of what a model's summary adds: that its total is a lower bound where
    layers are unknown, and where configured its training run, its accuracy per energy and its
    generation workload. Each format escapes the text its own way."""
    lines = [
        ("estimate", bound_phrase(result)),
        ("training", training_phrase(result)),
        ("quality", quality_phrase(result)),
        ("tokens", generation_phrase(result)),
    ]
    return [(label, text) for label, text in lines if text]


def bound_phrase(result: ModelResult) -> str:
    """ "lower bound: ..." when layers are unknown (counted as zero), else ""."""
    unknown = [layer for layer in result.estimate.layers if layer.pricing is Pricing.UNKNOWN]
    if not unknown:
        return ""
    names = ", ".join(layer.name for layer in unknown[:3]) + (", ..." if len(unknown) > 3 else "")
    count = len(unknown)
    return (
        f"the total is a lower bound: {count} layer{'s' * (count != 1)} not estimated and counted "
        f"as zero ({names})"
    )


def layer_sum_note(result: ModelResult) -> str:
    """Layers are priced one by one and the profile's whole-model correction turns their sum
    into the total: say so, or the layer figures would not add up to it."""
    estimate = result.estimate
    if estimate.correction == "none":
        return ""
    return (
        f"Layer figures are the per-layer predictions: they sum to {format_energy(estimate.layer_sum_j)}, "
        f"which the profile's whole-model correction ({estimate.correction}) turns into the total."
    )


GREENER_HEAD = ("Profile", "Power", "Grid", "Energy / pass", "Training", "CO2e in use", "")
"""No time column: no profile predicts time, so it could only ever say "not predicted"."""


def greener_rows(result: ModelResult) -> list[tuple[str, ...]]:
    """One row per profile of a --profile A --profile B run (none for a single profile): the
    model's energy, its training where priced, and the CO2e of its use
    (training + inferences) on that profile's grid; the cheapest marked."""
    best = cheapest(result.estimates)
    if best is None:
        return []
    return [
        (
            estimate.profile,
            estimate.power,
            f"{estimate.grid} ({estimate.g_per_kwh:.0f} g/kWh)",
            format_energy(estimate.energy_j),
            format_energy(estimate.training_j) if estimate.training_j is not None else "-",
            format_mass(estimate.use_co2e_g),
            "cheapest" if estimate is best else f"{estimate.use_co2e_g / best.use_co2e_g:.2g}x",
        )
        for estimate in result.estimates
    ]


def greenest_cell(result: ModelResult) -> str:
    best = cheapest(result.estimates)
    return f"`{_cell(best.profile)}` ({format_mass(best.use_co2e_g)})" if best else "-"


def training_cell(result: ModelResult) -> str:
    training = result.training
    if result.training_plan is None:
        return "-"
    return format_energy(training.energy_j) if training else "not estimated"


def markdown_table(results: list[ModelResult]) -> str:
    """One row per model: energy per pass and per sample, CO2e, the change against the base
    when there is one, and the violations. The job summary of `github` and the head of
    `markdown` share it."""
    compared = any(result.base is not None for result in results)
    trained = any(result.training_plan is not None for result in results)
    profiled = any(len(result.estimates) > 1 for result in results)
    head = ["Model", "Energy / pass", "90% interval", "Per sample", "CO2e / pass"]
    head += ["Training"] if trained else []
    head += ["Greenest profile (CO2e in use)"] if profiled else []
    head += ["Change"] if compared else []
    rows = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for result in results:
        low, high = result.estimate.interval_j
        cells = [
            f"`{_cell(result.path)}`",
            format_energy(result.estimate.energy_j),
            f"{format_energy(low)} to {format_energy(high)}",
            format_energy(result.energy_per_sample_j),
            format_mass(result.co2e_g),
        ]
        cells += [training_cell(result)] if trained else []
        cells += [greenest_cell(result)] if profiled else []
        cells += [change_text(result) or "-"] if compared else []
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def _cell(text: str) -> str:
    """Text that cannot break a markdown table cell or its code span."""
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")
