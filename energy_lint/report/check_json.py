"""`energy-lint check --format json`: contract 2 of DESIGN.md (version 1), streamed one model
at a time. Keys beyond the contract: carbon (where the intensity comes from), input_shapes,
co2e_per_sample_g,
layer_sum_j, correction, co2e_inferences_g, per layer its interval and extrapolated features,
and `base` (source, energy_j, change) when a comparison was asked for."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from ..graph import ModelGraph
from ..rules import ModelResult, Violation
from .inspect_json import _output_shape, _shape
from .run import CheckRun

if TYPE_CHECKING:
    from ..check import CheckSettings

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
        "correction": settings.profile.correction.get("kind", "none"),
    }


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
    """The model's figures, as contract 2 names them; SARIF's result properties reuse them."""
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
        **({"base": base_document(result)} if result.base is not None else {}),
    }


def model_document(graph: ModelGraph, result: ModelResult, violations: Sequence[Violation]) -> dict[str, Any]:
    shapes = [_shape(s) for s in graph.input_shapes]
    nodes = {node.name: node for node in graph.layers}
    return {
        "path": graph.path,
        "batch_size": graph.batch_size,
        "input_shape": shapes[0] if len(shapes) == 1 else shapes,
        "input_shapes": shapes,
        **figures(result),
        "layers": [
            {
                "name": layer.name,
                "type": layer.type,
                "output_shape": _output_shape(nodes[layer.name]),
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
    head = {"version": VERSION, "profile": profile_document(settings), "carbon": carbon_document(settings)}
    out.write(json.dumps(head)[:-1] + ', "models": [')
    for index, model in enumerate(run):
        document = model_document(model.graph, model.result, model.violations)
        out.write(("," if index else "") + "\n" + json.dumps(document))
    listed = [{"path": e.path, "message": e.problem} for e in run.read_errors]
    out.write(f'\n], "errors": {json.dumps(listed)}}}\n')
