"""Turn measurements into a profile directory (contract 4): fit, fit the whole-model
correction, and write profile.json and the arrays atomically, so an interrupted write leaves the
previous profile whole."""

from __future__ import annotations

import collections
import datetime
import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..estimate import apply_correction, estimate
from ..graph import read_model
from ..profile import PROFILE_FORMAT, FamilyPredictor, HardwareProfile
from .fit import CANDIDATES, FittedPredictor, collect, fit_families, rmspe
from .fit_training import training_section
from .measurements import TRAIN, pass_of, read_rows
from .power import summary


def as_family_predictor(fitted: FittedPredictor) -> FamilyPredictor:
    return FamilyPredictor(
        fitted.family, fitted.features, fitted.ensemble, fitted.interval_log, fitted.ranges
    )


def _model_pairs(rows: Sequence[dict[str, Any]], profile: HardwareProfile) -> list[tuple[float, float, str]]:
    """(sum of layer predictions, measured energy, architecture) for each whole-model row."""
    pairs = []
    for row in rows:
        model = Path(row["_csv_dir"]) / row["layer_config"]["model"]
        shapes = row["input_shape"]
        batch = int(row.get("batch_size") or shapes[0][0])
        graph = read_model(model, batch_size=batch)
        layer_sum = estimate(graph, profile).layer_sum_j
        pairs.append((layer_sum, float(row["energy_j"]), model.stem))
    return pairs


def fit_correction_kind(kind: str, sums: np.ndarray, measured: np.ndarray) -> dict[str, Any]:
    if kind == "affine":  # least squares on relative error: weights 1 / measured
        design = np.stack([np.ones_like(sums), sums], axis=1) / measured[:, None]
        (overhead, factor), *_ = np.linalg.lstsq(design, np.ones_like(measured), rcond=None)
        return {"kind": "affine", "overhead_j": float(overhead), "factor": float(factor)}
    if kind == "loglinear":
        slope, intercept = np.polyfit(np.log(sums), np.log(measured), 1)
        return {"kind": "loglinear", "intercept": float(intercept), "slope": float(slope)}
    return {"kind": "none"}


def fit_correction(pairs: Sequence[tuple[float, float, str]]) -> dict[str, Any]:
    """Choose none / affine (overhead + factor x sum) / loglinear by leave-one-architecture-out
    RMSPE on whole models; its out-of-fold residual quantiles give the total's 90% interval."""
    if len(pairs) < 3:
        return {"kind": "none", "note": f"{len(pairs)} whole-model rows: too few to fit a correction"}
    sums = np.array([p[0] for p in pairs])
    measured = np.array([p[1] for p in pairs])
    groups = np.array([p[2] for p in pairs])
    scores: dict[str, float] = {}
    residuals: dict[str, np.ndarray] = {}
    for kind in ("none", "affine", "loglinear"):
        predicted = np.empty_like(measured)
        for group in np.unique(groups):
            held = groups == group
            if kind != "none" and (~held).sum() < 2:
                predicted[held] = sums[held]
                continue
            params = fit_correction_kind(kind, sums[~held], measured[~held])
            predicted[held] = [max(apply_correction(s, params), 1e-12) for s in sums[held]]
        scores[kind] = rmspe(np.log(measured), np.log(predicted))
        residuals[kind] = np.log(measured) - np.log(predicted)
    best = min(scores, key=scores.__getitem__)
    correction = fit_correction_kind(best, sums, measured)
    low, high = np.quantile(residuals[best], [0.05, 0.95])
    correction.update(
        cv_rmspe={k: round(v, 5) for k, v in scores.items()},
        cv="leave one architecture out",
        interval_log=[float(low), float(high)],
        rows=len(pairs),
        ratio_measured_to_layer_sum=[float(np.min(measured / sums)), float(np.max(measured / sums))],
    )
    return correction


def _common(rows: Sequence[dict[str, Any]], key: str) -> Any:
    values = [json.dumps(row.get(key), sort_keys=True) for row in rows if row.get(key)]
    return json.loads(collections.Counter(values).most_common(1)[0][0]) if values else None


def build_profile(
    name: str, csv_paths: Sequence[Path], out: Path, candidates: Sequence[str] = CANDIDATES
) -> dict[str, Any]:
    """Fit everything from `csv_paths` and write the profile directory `out`; returns its meta."""
    rows = []
    digest = hashlib.sha256()
    for path in csv_paths:
        digest.update(path.read_bytes())
        for row in read_rows([path]):
            row["_csv_dir"] = str(path.parent)
            rows.append(row)
    data = collect(rows)
    families, generic = fit_families(data, candidates)
    profile = HardwareProfile(
        out,
        {"correction": {"kind": "none"}},
        {f: as_family_predictor(p) for f, p in families.items()},
        as_family_predictor(generic),
    )
    correction = fit_correction(_model_pairs(data.model_rows, profile))
    training = training_section(rows, profile, candidates)
    sources = _common(rows, "power_source") or {}
    times = sorted(row["measured_at"] for row in rows if row.get("measured_at"))
    meta = {
        "format": PROFILE_FORMAT,
        "name": name,
        "device": _common(rows, "device"),
        "backend": _common(rows, "backend"),
        "keras_version": _common(rows, "keras_version"),
        "tracker": _common(rows, "tracker"),
        "power_source": sources,
        "power": summary(sources),
        "measured": [times[0], times[-1]] if times else None,
        "dataset": {
            "rows": len(rows),
            "layer_rows": sum(len(v) for v in data.by_family.values()),
            "model_rows": len(data.model_rows),
            "training_rows": sum(pass_of(row) == TRAIN for row in rows),
            "skipped_rows": data.skipped,
            "sha256": digest.hexdigest(),
            "files": [p.name for p in csv_paths],
        },
        "target": "log of a layer's energy for one forward pass of one batch, in joules, above the "
        "fixed cost of one call (call_overhead_j), which the whole-model correction adds back once",
        "call_overhead_j": data.overhead_j,
        "families": {f: p.entry(f"{f}.npz") for f, p in families.items()},
        "generic": generic.entry("generic.npz"),
        "correction": correction,
        **({"training": training[0]} if training else {}),
        "hardware": hardware_records(csv_paths),
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    arrays = {f"{f}.npz": p.ensemble for f, p in families.items()} | {"generic.npz": generic.ensemble}
    arrays |= training[1] if training else {}
    write_profile(out, meta, arrays)
    return meta


def hardware_records(csv_paths: Sequence[Path]) -> list[dict[str, Any]]:
    """What was recorded about the machine beside the measurements (device-*.json, written by
    scripts/gpu/device_info.py: GPU name, driver, power limit, clocks, idle power, software)."""
    records = []
    for directory in sorted({path.parent for path in csv_paths}):
        for file in sorted(directory.glob("device-*.json")):
            try:
                records.append({"file": file.name, **json.loads(file.read_text())})
            except (OSError, ValueError):
                continue
    return records


def _keep_foreign_files(out: Path, staging: Path) -> None:
    """Files in the old profile directory that a profile does not own (the measurements CSV,
    notes) are hard-linked into the new one before the swap, so they are never lost."""
    if not out.is_dir():
        return
    for entry in out.iterdir():
        owned = entry.name == "profile.json" or entry.suffix == ".npz"
        if owned or not entry.is_file() or (staging / entry.name).exists():
            continue
        try:
            os.link(entry, staging / entry.name)
        except OSError:
            shutil.copy2(entry, staging / entry.name)


def write_profile(out: Path, meta: dict[str, Any], arrays: dict[str, Any]) -> None:
    """Write into a sibling temporary directory, then swap it in with two renames: a failure
    at any point before the swap leaves the old profile untouched."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.writing-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        for file, ensemble in arrays.items():
            ensemble.save(staging / file)
        (staging / "profile.json").write_text(json.dumps(meta, indent=2, allow_nan=False) + "\n")
        for file in staging.iterdir():
            with file.open("rb") as handle:
                os.fsync(handle.fileno())
        _keep_foreign_files(out, staging)
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        if out.exists():
            os.rename(out, old)
        os.rename(staging, out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
