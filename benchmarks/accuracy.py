"""Whole-model accuracy of energy-lint's layer-wise estimate on architectures held out by family.

For each architecture family (all ResNets, all MobileNets, ...), everything measured from it is
removed: its layer configurations (rows whose source is one of its models) and its whole-model
rows. The per-family predictors and the whole-model correction are refitted on the rest, and
the held-out models are predicted and compared with their measured energy (`measure`'s ground
truth, the Model rows of the CSV). Beside it, on the same training data:

- MACs linear: energy = a * MACs + b (least squares on relative error),
- MACs log-log: log energy = c + d * log MACs,
- model-wise: a Random Forest on whole-model features (MACs, params, batch, layer count, input
  and output elements) fitted on the training models,
- layer sum: the plain sum of the layer predictions, no whole-model correction.

Reports RMSPE, MAPE and the coverage of energy-lint's 90% interval, per family and overall, and
with --write replaces its section of benchmarks/RESULTS.md:

    .venv-test/bin/python benchmarks/accuracy.py calibration/cpu-xeon-2core-tf/measurements.csv --write
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, machine_lines, markdown_table, write_section

from energy_lint.calibration.correction_fit import fit_correction
from energy_lint.calibration.fit import CANDIDATES, Dataset, collect, fit_families, make_regressor
from energy_lint.calibration.measurements import read_rows
from energy_lint.estimation.correction import AffineCorrection
from energy_lint.estimation.forward_pass import estimate
from energy_lint.estimation.profile import HardwareProfile
from energy_lint.graph import ModelGraph, read_model

ARCHITECTURE_FAMILIES = {
    "resnet": ("resnet50", "resnet50v2", "resnet101", "resnet152", "resnet101v2"),
    "vgg": ("vgg16", "vgg19"),
    "mobilenet": ("mobilenet", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large"),
    "efficientnet": (
        "efficientnet_b0",
        "efficientnet_b1",
        "efficientnet_b3",
        "efficientnet_v2_b0",
        "efficientnet_v2_s",
    ),
    "densenet": ("densenet121", "densenet169", "densenet201"),
    "inception": ("inception_v3", "xception", "inception_resnet_v2"),
    "nasnet": ("nasnet_mobile",),
    "convnext": ("convnext_tiny", "convnext_small"),
    "transformer": ("transformer_encoder", "transformer_small", "vit_small"),
    "recurrent": ("lstm_classifier", "gru_bidirectional", "lstm_seq2seq"),
    "conv1d": ("conv1d_audio", "text_cnn"),
    "conv3d": ("conv3d_video",),
    "decoder": ("conv_decoder", "unet_small"),
}
FAMILY_OF = {model: family for family, models in ARCHITECTURE_FAMILIES.items() for model in models}
METHODS = ("energy-lint", "layer sum", "MACs linear", "MACs log-log", "model-wise")


@dataclass
class ModelRow:
    stem: str
    family: str
    batch: int
    measured: float
    graph: ModelGraph

    def whole_features(self) -> list[float]:
        inputs = sum(math.prod(s) for s in self.graph.input_shapes if s)
        outputs = sum(math.prod(s) for s in self.graph.output_shapes if s)
        return [
            math.log1p(self.graph.macs * self.batch),
            math.log1p(self.graph.params),
            math.log(self.batch),
            float(len(self.graph.layers)),
            math.log1p(inputs),
            math.log1p(outputs),
        ]

    @property
    def batch_macs(self) -> float:
        return float(self.graph.macs * self.batch)


def model_rows(rows: list[dict]) -> list[ModelRow]:
    out = []
    for row in rows:
        if row.get("layer_class") != "Model":
            continue
        path = Path(row["_csv_dir"]) / row["layer_config"]["model"]
        batch = int(row.get("batch_size") or row["input_shape"][0][0])
        out.append(
            ModelRow(
                path.stem,
                FAMILY_OF.get(path.stem, path.stem),
                batch,
                float(row["energy_j"]),
                read_model(path, batch_size=batch),
            )
        )
    return out


def without(data: Dataset, stems: set[str]) -> Dataset:
    kept = Dataset(names=dict(data.names))
    for family, items in data.by_family.items():
        kept.by_family[family] = [item for item in items if item[2].rstrip("~") not in stems]
    return kept


def held_out_predictions(data: Dataset, models: list[ModelRow], family: str, candidates) -> dict[str, list]:
    """Predictions of every method for the models of `family`, trained without that family."""
    test = [m for m in models if m.family == family]
    train = [m for m in models if m.family != family]
    stems = {m.stem for m in test}
    families, generic = fit_families(without(data, stems), candidates)
    profile = HardwareProfile(
        Path("."),
        {},
        {f: p.as_family_predictor() for f, p in families.items()},
        generic.as_family_predictor(),
    )
    sums = {id(m): estimate(m.graph, profile).layer_sum_j for m in models}
    train_measured = np.array([m.measured for m in train])
    # The same correction `calibrate` fits, on the training models only.
    correction = fit_correction([(sums[id(m)], m.measured, m.stem) for m in train])
    train_macs = np.array([m.batch_macs for m in train])
    # a * MACs + b on relative error: the same least squares as the affine correction
    macs_line = AffineCorrection().fit(train_macs, train_measured)
    slope, intercept = np.polyfit(np.log(train_macs), np.log(train_measured), 1)
    forest = make_regressor("random_forest").fit(
        np.array([m.whole_features() for m in train]), np.log(train_measured)
    )
    results: dict[str, list] = defaultdict(list)
    for m in test:
        ours = correction.predict_one(sums[id(m)])
        results["energy-lint"].append((ours, m.measured, *correction.interval(ours)))
        results["layer sum"].append((sums[id(m)], m.measured))
        results["MACs linear"].append((max(macs_line.predict_one(m.batch_macs), 1e-9), m.measured))
        results["MACs log-log"].append((math.exp(intercept + slope * math.log(m.batch_macs)), m.measured))
        results["model-wise"].append((math.exp(forest.predict([m.whole_features()])[0]), m.measured))
    return results


def measured_on(rows: list[dict]) -> str:
    """Device, backend and how power was obtained, as the rows of the CSV say."""
    devices = sorted({f"{r.get('device')} ({r.get('backend')})" for r in rows})
    sources = sorted({text for r in rows for text in (r.get("power_source") or {}).values()})
    return f"{', '.join(devices)}; power: {'; '.join(sources) or 'not recorded'}"


def metrics(pairs: list) -> tuple[float, float]:
    errors = np.array([(p[0] - p[1]) / p[1] for p in pairs])
    return float(np.sqrt(np.mean(errors**2))), float(np.mean(np.abs(errors)))


def coverage(pairs: list) -> float:
    return float(np.mean([p[2] <= p[1] <= p[3] for p in pairs]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path, nargs="+", help="measurement files (contract 3)")
    parser.add_argument("--candidates", default=",".join(CANDIDATES), help="libraries to try per family")
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    parser.add_argument("--section", default="accuracy", help="the RESULTS.md section to replace")
    options = parser.parse_args()
    info = machine()
    rows = []
    for path in options.csv:
        for row in read_rows([path]):
            row["_csv_dir"] = str(path.parent)
            rows.append(row)
    data = collect(rows)
    models = model_rows(rows)
    families = sorted({m.family for m in models})
    if len(families) < 2:
        sys.exit(f"need whole-model rows of at least 2 architecture families, found {families}")
    per_family: dict[str, dict[str, list]] = {}
    for family in families:
        per_family[family] = held_out_predictions(data, models, family, options.candidates.split(","))
        print(f"held out {family}: {len(per_family[family]['energy-lint'])} model rows", file=sys.stderr)
    overall = {method: [p for f in families for p in per_family[f][method]] for method in METHODS}
    table_rows = []
    for name, results in [*per_family.items(), ("all", overall)]:
        cells = [name, len(results["energy-lint"])]
        for method in METHODS:
            rms, mean = metrics(results[method])
            cells.append(f"{rms:.1%} / {mean:.1%}")
        cells.append(f"{coverage(results['energy-lint']):.0%}")
        table_rows.append(cells)
    header = ["held-out family", "models", *(f"{m} RMSPE / MAPE" for m in METHODS), "90% interval coverage"]
    table = markdown_table(header, table_rows, right=[1])
    rms_ours, _ = metrics(overall["energy-lint"])
    rms_macs, _ = metrics(overall["MACs linear"])
    body = "\n".join([
        f"## Accuracy ({options.section}): whole models, architectures held out by family "
        "(benchmarks/accuracy.py)",
        "",
        f"- Measured on: {measured_on(rows)}; fitted and evaluated on the machine below",
        *machine_lines(info),
        f"- Data: {', '.join(str(p) for p in options.csv)}: {len(rows)} rows, {len(models)} whole-model rows "
        f"of {len(families)} architecture families; candidates {options.candidates}",
        f"- Command: `python benchmarks/accuracy.py {' '.join(str(p) for p in options.csv)} "
        f"--candidates {options.candidates} --section {options.section} --write`", "",
        table, "",
        f"Overall: energy-lint RMSPE {rms_ours:.1%} against {rms_macs:.1%} for the MACs linear baseline "
        f"({rms_macs / rms_ours:.1f}x).",
    ])  # fmt: skip
    print(body)
    if options.write:
        write_section(options.section, body)


if __name__ == "__main__":
    main()
