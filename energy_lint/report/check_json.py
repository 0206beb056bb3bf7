"""`energy-lint check --format json`: docs/contracts.md, 2. check JSON (version 1), streamed one model
at a time. Keys beyond the contract: carbon (where the intensity comes from), input_shapes,
co2e_per_sample_g,
layer_sum_j, correction, co2e_inferences_g, per layer its interval and extrapolated features,
`base` (source, energy_j, change) when a comparison was asked for, `training` (the run and
its predicted energy) when [tool.energy-lint.training] applies to the model, `quality` (its
metric and accuracy-per-energy score) where declared, `generation` (prefill, decode per
generated token, per 1,000 tokens, by layer type) for a transformer read from its
configuration, and `estimates`: the model on every
profile of the run (`profiles`, one per --profile), with `cheapest` when there are several."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, TextIO

from ..estimation.forward_pass import Pricing
from ..estimation.profile import training_summary
from ..graph import ModelGraph
from ..impact.hardware_comparison import ProfileEstimate, cheapest
from ..results import ModelResult, Violation
from .inspect_json import output_shape_json, shape_json
from .run import CheckRun

if TYPE_CHECKING:
    from ..engine.model_check import CheckSettings

VERSION = 1


def profile_document(settings: CheckSettings) -> dict[str, Any]:
    meta = settings.profile.meta
    return {
        "name": settings.profile.name,
        "path": str(settings.profile.path),
        "device": meta.get("device"),
        "backend": meta.get("backend"),
        "power_source": meta.get("power_source", {}),
        "power": meta.get("power"),
        "tracker": meta.get("tracker"),
        "measured": meta.get("measured"),
        "correction": settings.profile.correction.kind,
        "training": training_summary(settings.profile.meta),
    }


def profiles_document(settings: CheckSettings) -> list[dict[str, Any]]:
    """Every profile of the run (one per --profile), each with the grid it is priced on."""
    return [
        {**profile_document(settings.on(priced)), "grid": priced.intensity.where}
        for priced in settings.priced_profiles
    ]


def carbon_document(settings: CheckSettings) -> dict[str, Any]:
    intensity = settings.intensity
    return {
        "where": intensity.where,
        "name": intensity.name,
        "g_per_kwh": intensity.g_per_kwh,
        "source": intensity.source,
        "pue": settings.pue,
        "inferences": settings.inferences,
    }


def figures(result: ModelResult) -> dict[str, Any]:
    """The model's figures, as docs/contracts.md, 2. check JSON, names them; SARIF's result
    properties reuse them."""
    estimate = result.estimate
    return {
        "energy_j": estimate.energy_j,
        "energy_j_interval": list(estimate.interval_j),
        "energy_per_sample_j": result.energy_per_sample_j,
        "co2e_g": result.co2e_g,
        "co2e_per_sample_g": result.co2e_per_sample_g,
        "co2e_inferences_g": result.co2e_inferences_g,
        "macs": result.macs,
        "params": result.params,
        "layer_sum_j": estimate.layer_sum_j,
        "correction": estimate.correction,
        "unknown_layers": (unknown := sum(layer.pricing is Pricing.UNKNOWN for layer in estimate.layers)),
        "lower_bound": unknown > 0,
        **({"base": base_document(result)} if result.base is not None else {}),
        **({"training": training_document(result)} if result.training_plan is not None else {}),
        **({"quality": quality_document(result)} if result.quality is not None else {}),
        **({"generation": generation_document(result)} if result.generation is not None else {}),
        "estimates": [estimate_document(estimate) for estimate in result.estimates],
        **({"cheapest": best.profile} if (best := cheapest(result.estimates)) else {}),
    }


def estimate_document(estimate: ProfileEstimate) -> dict[str, Any]:
    """One model on one profile (one entry per --profile, the first being the figures above)."""
    document = asdict(estimate)
    document["energy_j_interval"] = list(document.pop("interval_j"))
    return document


def generation_document(result: ModelResult) -> dict[str, Any]:
    """Prefill, decode and per-token energy of a model built from its configuration."""
    generation = result.generation
    assert generation is not None
    return {
        "prompt_tokens": generation.prompt_tokens,
        "generated_tokens": generation.generated_tokens,
        "prefill_j": generation.prefill_j,
        "decode_j": generation.decode_j,
        "per_token_j": generation.per_token_j,
        "per_1000_tokens_j": generation.per_1000_tokens_j,
        "decode_exact": generation.exact,
        "prefill_by_type_j": generation.prefill_by_type,
        "decode_by_type_j": generation.decode_by_type,
    }


def quality_document(result: ModelResult) -> dict[str, Any]:
    """The declared quality and the accuracy-per-energy score; a later --baseline reads
    value and use_energy_j from here."""
    assert result.quality is not None and result.quality_settings is not None
    settings = result.quality_settings
    return {
        "metric": settings.metric,
        "value": result.quality.value,
        "source": result.quality.source,
        "use_energy_j": result.use_energy_j,
        "score": result.score,
        "scale": settings.scale,
        "points_per_decade": settings.points_per_decade,
        **({"base_value": result.base.quality} if result.base is not None else {}),
    }


def training_document(result: ModelResult) -> dict[str, Any]:
    """The configured run and, where the profile can price it, its energy: estimated is false
    (and energy_j absent) for a profile without training measurements."""
    plan, training = result.training_plan, result.training
    assert plan is not None
    document: dict[str, Any] = {
        "epochs": plan.epochs,
        "training_samples": plan.training_samples,
        "validation_samples": plan.validation_samples,
        "batch_size": plan.batch_size,
        "steps_per_epoch": plan.steps_per_epoch,
        "validation_steps": plan.validation_steps,
        "estimated": training is not None,
    }
    if training is not None:
        document.update(
            energy_j=training.energy_j,
            energy_j_interval=list(training.interval_j),
            co2e_g=result.training_co2e_g,
            epoch_j=training.epoch_j,
            step_j=training.step_j,
            step_j_interval=list(training.step_interval_j),
            validation_pass_j=training.validation_pass_j,
            step_to_forward=training.step_to_forward,
        )
    return document


def model_document(graph: ModelGraph, result: ModelResult, violations: Sequence[Violation]) -> dict[str, Any]:
    shapes = [shape_json(s) for s in graph.input_shapes]
    nodes = {node.name: node for node in graph.layers}
    return {
        "path": graph.path,
        "batch_size": graph.batch_size,
        "input_shape": shapes[0] if len(shapes) == 1 else shapes,
        "input_shapes": shapes,
        "notes": list(graph.notes),
        **figures(result),
        "layers": [
            {
                "name": layer.name,
                "type": layer.type,
                "output_shape": output_shape_json(nodes[layer.name]),
                "macs": nodes[layer.name].macs,
                "energy_j": layer.energy_j,
                "energy_j_interval": list(layer.interval_j),
                "predictor": layer.predictor,
                "extrapolated": layer.extrapolated,
            }
            for layer in result.estimate.layers
        ],
        "violations": [
            {"code": v.code, "message": v.message, "severity": v.severity, "layer": v.layer}
            for v in violations
        ],
    }


def base_document(result: ModelResult) -> dict[str, Any]:
    assert result.base is not None
    return {"source": result.base.source, "energy_j": result.base.energy_j, "change": result.change}


def write(run: CheckRun, out: TextIO) -> None:
    """One JSON document; each model is written before the next is read. The read errors are
    written at the end, so that those met while reading are in it."""
    settings = run.settings
    head = {
        "version": VERSION,
        "profile": profile_document(settings),
        "carbon": carbon_document(settings),
        "profiles": profiles_document(settings),
    }
    out.write(json.dumps(head)[:-1] + ', "models": [')
    for index, model in enumerate(run):
        document = model_document(model.graph, model.result, model.violations)
        out.write(("," if index else "") + "\n" + json.dumps(document))
    listed = [{"path": e.path, "message": e.problem} for e in run.read_errors]
    out.write(f'\n], "errors": {json.dumps(listed)}}}\n')
