"""Turn measurements into a profile directory (docs/contracts.md, 4. Profile directory):
fit, fit the whole-model
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

from ..estimation.profile import PROFILE_FORMAT, HardwareProfile
from .correction_fit import fit_correction
from .fit import CANDIDATES, collect, fit_families
from .fit_training import training_section
from .measurements import TRAIN, pass_of, read_rows
from .power import summary
from .whole_models import out_of_fold_sums, read_whole_models


def _skipped(layers: dict[str, int], models: int) -> dict[str, int]:
    """Why rows were skipped, with how many each."""
    return {**layers, **({"whole model unreadable (model file, shape or energy)": models} if models else {})}


def _common(rows: Sequence[dict[str, Any]], key: str) -> Any:
    values = [json.dumps(row.get(key), sort_keys=True) for row in rows if row.get(key)]
    return json.loads(collections.Counter(values).most_common(1)[0][0]) if values else None


def build_profile(
    name: str,
    csv_paths: Sequence[Path],
    out: Path,
    candidates: Sequence[str] = CANDIDATES,
    context: str | None = None,
) -> dict[str, Any]:
    """Fit everything from `csv_paths` and write the profile directory `out`; returns its meta.
    `context` keeps only layer rows measured that way ("alone", "in-model"); None keeps all."""
    rows = []
    digest = hashlib.sha256()
    for path in csv_paths:
        digest.update(path.read_bytes())
        for row in read_rows([path]):
            row["_csv_dir"] = str(path.parent)
            rows.append(row)
    data = collect(rows, context)
    families, generic = fit_families(data, candidates)
    profile = HardwareProfile(
        out,
        {},
        {f: p.as_family_predictor() for f, p in families.items()},
        generic.as_family_predictor(),
        fusion=data.fusion_table(),
    )
    models, unreadable_models = read_whole_models(data.model_rows)
    # The correction and the total's interval see only sums by predictors blind to each model.
    correction = fit_correction(out_of_fold_sums(data, models, families, generic))
    correction.info.setdefault(
        "layer_sums", "out of fold: predictors refitted without the model's architecture"
    )
    training = training_section(rows, profile, candidates, context)
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
            "model_rows": len(models),
            "training_rows": sum(pass_of(row) == TRAIN for row in rows),
            "skipped_rows": data.skipped + unreadable_models,
            "skipped_why": _skipped(data.skipped_why, unreadable_models),
            "context": context or "all",
            "sha256": digest.hexdigest(),
            "files": [p.name for p in csv_paths],
        },
        "target": target_text(correction.kind),
        "call_overhead_j": data.overhead_j,
        "families": {f: p.entry(f"{f}.npz") for f, p in families.items()},
        "generic": generic.entry("generic.npz"),
        "correction": correction.to_dict(),
        **({"fusion": profile.fusion.to_dict()} if profile.fusion else {}),
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
        (staging / "profile.json").write_text(json.dumps(meta, indent=1, allow_nan=False) + "\n")
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


_CORRECTION_SAYS = {
    "none": "the whole-model correction is none: that fixed cost is not added back, the total is "
    "the sum of the layers",
    "affine": "the whole-model correction (affine) turns the sum of the layers into the total as "
    "a fitted fixed cost (its overhead_j) plus a fitted multiple of the sum",
    "loglinear": "the whole-model correction (loglinear) turns the sum of the layers into the total "
    "through a line fitted in log space",
    "affine-robust": "the whole-model correction (affine-robust) turns the sum of the layers into the "
    "total as a fitted fixed cost (its overhead_j) plus a fitted multiple of the sum, fitted so that "
    "a few badly priced models cannot set it",
    "loglinear-robust": "the whole-model correction (loglinear-robust) turns the sum of the layers "
    "into the total through a line fitted in log space, so that a few badly priced models cannot set it",
}


def target_text(kind: str) -> str:
    """What a profile's predictors predict, and what its correction does with them: said of the
    correction the profile has (a profile without one used to claim it "adds back" the call's
    fixed cost)."""
    says = _CORRECTION_SAYS.get(kind, f"the whole-model correction ({kind}) turns their sum into the total")
    return (
        "log of a layer's energy for one forward pass of one batch, in joules, above the fixed cost "
        f"of one call (call_overhead_j); {says}"
    )
