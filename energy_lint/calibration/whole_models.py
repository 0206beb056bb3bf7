"""Whole-model rows and their out-of-fold layer sums: what the whole-model correction and the
total's 90% interval are fitted on.

A correction fitted on layer sums from predictors that had seen the model's own layers learns
in-sample error and gives an interval that is too narrow on a new architecture. So the models'
architecture families (architecture_families.py) are split into folds; each fold's models are
summed by layer predictors refitted without the layer rows of that fold's families (each
predictor family with the kind calibration chose, no CV)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EnergyLintError
from ..estimation.forward_pass import estimate
from ..estimation.profile import FamilyPredictor, HardwareProfile
from ..graph import ModelGraph, read_model
from .architecture_families import architecture_family
from .fit import EXPORTERS, N_JOBS, Dataset, FittedPredictor, fit_one, grouped_folds, item_arrays

FOLDS = 5


@dataclass
class WholeModel:
    model: str
    """The architecture id (the `model` column, else the model file's stem)."""
    batch: int
    measured_j: float
    graph: ModelGraph
    phase: str = "forward"
    """What ran: "forward" (a model file's pass); for a transformer read from its
    configuration, "prefill" (over its prompt) or "decode" (one step with a cache)."""
    run: str = ""
    """Which of a transformer's runs this is ("tokens=128", "decode@1024"), as its layer rows'
    keys end; empty for a model file, whose (model, batch) is one run."""

    @property
    def family(self) -> str:
        """The architecture family (architecture_families.py): held out together."""
        return architecture_family(self.model)


def _batch(row: dict[str, Any]) -> int:
    if row.get("batch_size"):
        return int(float(row["batch_size"]))
    shapes = row["input_shape"]
    first = shapes[0] if isinstance(shapes[0], list) else shapes
    return int(first[0])


def read_whole_models(rows: Sequence[dict[str, Any]]) -> tuple[list[WholeModel], int]:
    """The whole-model rows whose model file can be read, and how many could not."""
    models, skipped = [], 0
    for row in rows:
        try:
            config = row["layer_config"]
            path = Path(row.get("_csv_dir") or ".") / config["model"]
            batch = _batch(row)
            energy = float(row["energy_j"])
            if not energy > 0:
                raise ValueError("energy not positive")
            graph, phase, run = _graph_of(row, path, batch)
        except (Exception, EnergyLintError):  # any unreadable row or file: counted, never a crash
            skipped += 1
            continue
        models.append(WholeModel(str(row.get("model") or path.stem), batch, energy, graph, phase, run))
    return models, skipped


def _graph_of(row: dict[str, Any], path: Path, batch: int) -> tuple[ModelGraph, str, str]:
    """The graph of what a Model row measured, its phase and run tag: the model file at the row's
    batch; for a transformer read from its configuration, over the row's positions, or the one
    decode step its layer_config names."""
    graph = read_model(path, batch_size=batch)
    if getattr(graph, "transformer", None) is None:
        return graph, "forward", ""
    from .transformer_architectures import DECODE_CONTEXT, TransformerRun, run_graph

    context = int(row["layer_config"].get(DECODE_CONTEXT) or 0)
    shapes = row["input_shape"]
    first = shapes[0] if isinstance(shapes[0], list) else shapes
    run = TransformerRun(path, batch, int(first[1]) if len(first) > 1 else 1, context)
    return run_graph(run, graph), "decode" if context else "prefill", run.tag


def _architectures_by_family(data: Dataset) -> dict[str, set[str]]:
    """The architectures of the dataset's rows (timed and fused) under each family."""
    seen = {group for rows in data.by_family.values() for _, _, group in rows}
    seen |= {group for groups in data.fused.values() for group in groups}
    found: dict[str, set[str]] = {}
    for group in seen:
        found.setdefault(architecture_family(group), set()).add(group)
    return found


def _refit(
    data: Dataset, fitted: dict[str, FittedPredictor], generic: FittedPredictor, held: set[str]
) -> HardwareProfile:
    """The profile's predictors refitted without the layer rows of the `held` architectures."""
    from joblib import Parallel, delayed

    jobs = []
    for family, chosen in [*fitted.items(), ("generic", generic)]:
        items = data.by_family.get(family) if family != "generic" else None
        if items is None:
            items = [
                (v[: len(chosen.features)], y, g) for rows in data.by_family.values() for v, y, g in rows
            ]
        kept = [item for item in items if item[2] not in held]
        if len(kept) < 2:
            kept = items  # too few left: the fold's sum keeps this family's own rows
        jobs.append((family, chosen, kept))

    def one(family: str, chosen: FittedPredictor, items: list) -> FamilyPredictor:
        x, y, _groups = item_arrays(items)
        model = fit_one(chosen.kind, x, y, chosen.features, data.use_prior)
        share, after = data.fused_shares(family, held) if family != "generic" else (0.0, None)
        return FamilyPredictor(
            family, chosen.features, EXPORTERS[chosen.kind](model.model), chosen.interval_log,
            model.ranges, prior=model.prior, fused_share=share, fused_share_after=after,
        )  # fmt: skip

    predictors = Parallel(n_jobs=min(N_JOBS, len(jobs)))(delayed(one)(*job) for job in jobs)
    families = {p.family: p for p in predictors if p.family != "generic"}
    return HardwareProfile(Path("."), {}, families, predictors[-1], fusion=data.fusion_table(held))


def out_of_fold_sums(
    data: Dataset,
    models: Sequence[WholeModel],
    fitted: dict[str, FittedPredictor],
    generic: FittedPredictor,
    folds: int = FOLDS,
) -> list[tuple[float, float, str]]:
    """(layer sum by predictors that never saw the model's architecture family, measured,
    family) for every whole model, families in up to FOLDS grouped folds."""
    if not models:
        return []
    groups = np.array([m.family for m in models])
    if len(np.unique(groups)) < 2:
        splits = [(np.array([], dtype=int), np.arange(len(models)))]
    else:
        splits, _ = grouped_folds(groups, splits=folds)
    sums = np.zeros(len(models))
    architectures = _architectures_by_family(data)
    for _, test in splits:
        held = set().union(*(architectures.get(str(groups[i]), set()) for i in test))
        profile = _refit(data, fitted, generic, held)
        for i in test:
            sums[i] = estimate(models[i].graph, profile).layer_sum_j
    return [(float(s), m.measured_j, m.family) for s, m in zip(sums, models, strict=True)]
