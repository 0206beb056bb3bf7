"""A profile's cross-validated error per family and per library (RMSPE), its whole-model
correction and how its power was obtained, as recorded in its profile.json by `calibrate`:

    .venv-test/bin/python benchmarks/profile_report.py energy_lint/predictors/cpu-xeon-2core-tf-ctx --write
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, machine_lines, markdown_table, write_section

LIBRARIES = ("random_forest", "xgboost", "catboost")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    options = parser.parse_args()
    meta = json.loads((options.profile / "profile.json").read_text())
    families = {**meta["families"], "generic": meta["generic"]}
    rows = []
    for family, entry in families.items():
        errors = entry["cv_rmspe"]
        cells = [f"{errors[k]:.1%}" if k in errors else "-" for k in LIBRARIES]
        rows.append([family, entry["rows"], entry["groups"], *cells, entry["predictor"], entry["cv"]])
    correction = meta["correction"]
    dataset = meta["dataset"]
    sources = "; ".join(f"{k}: {v}" for k, v in meta.get("power_source", {}).items())
    measured = " to ".join(meta.get("measured") or [])
    overhead = meta.get("call_overhead_j", 0)
    header = ["family", "rows", "architectures", *LIBRARIES, "kept", "cross-validation"]
    lines = [
        f"## Profile {meta['name']}: cross-validated error per family and library "
        "(benchmarks/profile_report.py)",
        "",
        *machine_lines(machine()),
        f"- Profile: `{options.profile}`, device {meta.get('device')}, backend {meta.get('backend')}, "
        f"Keras {meta.get('keras_version')}, {meta.get('tracker')}",
        f"- Power: **{meta.get('power')}** ({sources})",
        f"- Data: {dataset['rows']} rows ({dataset['layer_rows']} layer rows, "
        f"{dataset['model_rows']} whole-model rows), measured {measured}; "
        f"call overhead subtracted from each layer: {overhead:.4g} J",
        f"- Command: `python benchmarks/profile_report.py {options.profile} --write`",
        "",
        "RMSPE of each library's out-of-fold predictions of single-layer energy (folds grouped by "
        "the architecture a configuration came from):",
        "",
        markdown_table(header, rows, right=[1, 2]),
        "",
        f"Whole-model correction: **{correction['kind']}**, RMSPE "
        f"({correction.get('cv', 'leave one architecture out')}) "
        f"{correction.get('cv_rmspe')} over {correction.get('rows', 0)} whole-model rows; "
        f"measured whole / sum of layer predictions ranged "
        f"{correction.get('ratio_measured_to_layer_sum')}."
        + (
            f" Chosen by mean absolute log error, {correction['cv_mean_abs_log_error']}."
            if "cv_mean_abs_log_error" in correction
            else ""
        ),
    ]
    body = "\n".join(lines)
    print(body)
    if options.write:
        write_section(f"profile {meta['name']}", body)


if __name__ == "__main__":
    main()
