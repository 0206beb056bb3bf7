"""Whole-model accuracy of energy-lint's layer-wise estimate on architectures held out by family.

For each architecture family (all ResNets, all MobileNets, every `rand-cnn-NNNN`, ...),
everything measured from it is removed: its layer rows (rows whose `model` column, or failing
that whose source, names one of its architectures) and its whole-model rows. The per-family
predictors (over their physical priors) are refitted on the rest, the whole-model correction is
fitted on out-of-fold layer sums of the remaining models (as `calibrate` does), and the held-out
models are predicted and compared with their measured energy (`measure`'s ground truth, the
Model rows of the CSV). Beside it, on the same training rows:

- MACs linear: energy = a * MACs + b (least squares on relative error),
- whole-model linear: overhead + MACs + bytes moved + weight bytes + layer count (relative
  error), on the training models; also left out one model at a time over every model,
- per-class RF: a plain Random Forest per layer class on seven simple features, its layer
  predictions summed (as they are, and through an affine fit on the training models),
- layer sum: energy-lint's plain sum of layer predictions, no whole-model correction,
- measured layers + affine (where layers were timed in context): each model's own measured
  layer rows summed, through an affine fit on the training models. Not a predictor: the error
  left if every layer were predicted exactly, i.e. the floor the measurements themselves set.

Reports RMSPE and MAPE per family and overall; over pairs of held-out models, the median error
of the predicted energy ratio and Spearman's rank correlation; the coverage and median
high/low of energy-lint's 90% interval; the layer-row RMSPE of energy-lint and the per-class RF
on the held-out families' layer rows; and a predicted-vs-measured plot. With --write it replaces
its section of benchmarks/RESULTS.md:

    PYTHONPATH=. .venv-test/bin/python benchmarks/accuracy.py \\
        --csv calibration/cpu-epyc-2core-tf/measurements.csv --section accuracy-cpu-epyc --write

`--csv` is repeatable (campaigns are merged); `--context in-model` fits only layer rows timed
inside a running model (the `context` column), `alone` only those measured on their own.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _baselines import Line, PerClassForest, WholeModelLinear, leave_one_model_out, row_seven
from _common import BENCHMARKS, machine, machine_lines, markdown_table, write_section

from energy_lint.calibration.after_matmul import after_matmul_flags
from energy_lint.calibration.architecture_families import architecture_family as family
from energy_lint.calibration.correction_fit import fit_correction
from energy_lint.calibration.fit import (
    CANDIDATES,
    FORWARD,
    Dataset,
    FittedPredictor,
    architecture_of,
    collect,
    context_of,
    fit_families,
    pass_of,
    rmspe,
)
from energy_lint.calibration.fusion_rows import run_steps
from energy_lint.calibration.measurements import read_rows, run_of
from energy_lint.calibration.whole_models import (
    WholeModel,
    out_of_fold_sums,
    read_whole_models,
)
from energy_lint.estimation.correction import relative_line
from energy_lint.estimation.families import FREE
from energy_lint.estimation.features import AFTER_MATMUL, LayerFeatures, row_features
from energy_lint.estimation.forward_pass import estimate, predictor_family
from energy_lint.estimation.fusion import FUSED, Step
from energy_lint.estimation.profile import HardwareProfile

OOF_FOLDS = 3
"""Grouped folds of the training models' out-of-fold layer sums (calibrate uses 5)."""
METHODS = (
    "energy-lint",
    "layer sum",
    "MACs linear",
    "whole-model linear",
    "per-class RF sum",
    "per-class RF + affine",
    "measured layers + affine",
)


def fit_without(
    data: Dataset, held: str, candidates: list[str]
) -> tuple[Dataset, dict[str, FittedPredictor], FittedPredictor, HardwareProfile]:
    """The rows without family `held`, the layer predictors fitted on them (a library chosen by
    grouped CV inside the fold where there are several candidates; with one, no CV), and the
    profile `check` would price with."""
    train_data = data.without(lambda architecture: family(architecture) == held)
    fitted, generic = fit_families(train_data, candidates, nested=False, validate=len(candidates) > 1)
    profile = HardwareProfile(
        Path("."),
        {},
        {f: p.as_family_predictor() for f, p in fitted.items()},
        generic.as_family_predictor(),
        fusion=train_data.fusion_table(),
    )
    return train_data, fitted, generic, profile


def forward_layer_rows(rows: list[dict], context: str | None) -> Iterator[dict]:
    """The forward-pass layer rows (no Model, no Identity overhead row) of this context, or of
    every context."""
    return (row for row in rows if is_forward_layer_row(row, context))


def is_forward_layer_row(row: dict, context: str | None) -> bool:
    if pass_of(row) != FORWARD or row.get("layer_class") in ("Model", "Identity"):
        return False
    return not context or context_of(row) == context


def layer_rows(
    rows: list[dict], context: str | None
) -> list[tuple[str, str, list[float], float, LayerFeatures, int]]:
    """(architecture family, class, seven features, measured energy, energy-lint features, index
    in `rows`) of every usable forward layer row, for the per-class RF and the layer-level
    comparison. Rows with no time of their own (0 J: fused into a neighbour, or no kernel at all)
    are kept for the per-class sums; the RF and the RMSPE take positive rows only."""
    out = []
    for index, row in enumerate(rows):
        if not is_forward_layer_row(row, context):
            continue
        try:
            features = row_features(row)
            energy = float(row["energy_j"])
            if features.family == FREE or not energy >= 0:
                continue
            seven = row_seven(row)
            out.append((family(architecture_of(row)), row["layer_class"], seven, energy, features, index))
        except Exception:
            continue
    return out


@dataclass
class Places:
    """Each layer row's place in its run, read once off the rows: right after a weight layer or
    not, and each in-context run's steps with its architecture family."""

    after: list[bool]
    runs: list[tuple[str, list[tuple[int, Step]]]]


def places_of(rows: list[dict]) -> Places:
    runs = [(family(architecture_of(rows[run[0][0]])), run) for run in run_steps(rows)]
    return Places(after_matmul_flags(rows), runs)


def layer_contexts(places: Places, profile: HardwareProfile, held: str) -> dict[int, dict[str, float]]:
    """What check adds to a layer's features from its place in the model, for the held-out
    family's in-context rows: right after a weight layer, and its fused share by the fold's
    fusion table walking each run in order (forward_pass.price_layers does the same on a graph)."""
    contexts = {index: {AFTER_MATMUL: float(flag)} for index, flag in enumerate(places.after)}
    if profile.fusion is None:
        return contexts
    for run_family, run in places.runs:
        if run_family != held:
            continue
        for (index, _), share in zip(run, profile.fusion.predict([step for _, step in run]), strict=True):
            contexts[index][FUSED] = share
    return contexts


def measured_layer_sums(rows: list[dict], context: str | None) -> dict[tuple[str, int, str], float]:
    """(model, batch, run) -> the sum of the energies of its forward layer rows timed in that
    model; run tells a transformer's prompts and decode steps apart (WholeModel.run)."""
    sums: dict[tuple[str, int, str], float] = defaultdict(float)
    for row in forward_layer_rows(rows, context):
        if not row.get("model"):
            continue
        try:
            sums[(str(row["model"]), int(float(row["batch_size"])), run_of(row))] += float(row["energy_j"])
        except (KeyError, TypeError, ValueError):
            continue
    return dict(sums)


def held_out(
    places: Places,
    data: Dataset,
    models: list[WholeModel],
    layers: list,
    held: str,
    candidates: list[str],
    layer_sums: dict[tuple[str, int, str], float],
) -> tuple[dict[str, list], list[tuple[float, float, float]]]:
    """Predictions of every method for the models of family `held`, trained without it; and
    (measured, energy-lint, per-class RF) energies of the held-out family's layer rows."""
    test = [m for m in models if family(m.model) == held]
    train = [m for m in models if family(m.model) != held]
    train_data, fitted, generic, profile = fit_without(data, held, candidates)
    correction = fit_correction(out_of_fold_sums(train_data, train, fitted, generic, folds=OOF_FOLDS))
    train_measured = np.array([m.measured_j for m in train])
    macs_line = Line(*relative_line(np.array([m.graph.macs * m.batch for m in train], float), train_measured))
    linear = WholeModelLinear(train)
    forest = PerClassForest([(c, x, e) for f, c, x, e, _, _ in layers if f != held and e > 0])
    forest_affine = Line(*relative_line(np.array([forest.model_sum(m) for m in train]), train_measured))
    summed = [m for m in train if (m.model, m.batch, m.run) in layer_sums]
    sums = np.array([layer_sums[(m.model, m.batch, m.run)] for m in summed])
    floor = None
    if len(summed) >= 3:
        floor = Line(*relative_line(sums, np.array([m.measured_j for m in summed])))
    results: dict[str, list] = defaultdict(list)
    for m in test:
        layer_sum = estimate(m.graph, profile).layer_sum_j
        ours = correction.predict_one(layer_sum)
        forest_sum = forest.model_sum(m)
        predicted = {
            "energy-lint": ours,
            "layer sum": layer_sum,
            "MACs linear": max(macs_line.predict_one(m.graph.macs * m.batch), 1e-9),
            "whole-model linear": max(linear.predict(m), 1e-9),
            "per-class RF sum": forest_sum,
            "per-class RF + affine": max(forest_affine.predict_one(forest_sum), 1e-9),
        }
        if floor is not None and (m.model, m.batch, m.run) in layer_sums:
            predicted["measured layers + affine"] = max(
                floor.predict_one(layer_sums[(m.model, m.batch, m.run)]), 1e-9
            )
        for name, value in predicted.items():
            interval = correction.interval(ours) if name == "energy-lint" else ()
            results[name].append((value, m.measured_j, *interval))
        results["_rows"].append(
            {"model": m.model, "batch": m.batch, "family": held, "phase": m.phase, "measured_j": m.measured_j}
            | predicted
        )
    layer_pairs = []
    contexts = layer_contexts(places, profile, held)
    for f, class_name, x, energy, features, index in layers:
        if f != held:
            continue
        name, _ = predictor_family(features.family, profile)  # as check picks it
        predictor = profile.families.get(name) or profile.generic
        assert predictor is not None
        values = features.as_dict() | contexts.get(index, {})
        ours = math.exp(predictor.predict_log([values])[0]) + data.overhead_j
        layer_pairs.append((energy, ours, float(forest.predict(class_name, [x])[0]), class_name))
    return results, layer_pairs


def errors(pairs: list) -> np.ndarray:
    return np.array([(p[0] - p[1]) / p[1] for p in pairs])


def metrics(pairs: list) -> tuple[float, float]:
    if not pairs:
        return math.nan, math.nan
    e = errors(pairs)
    return float(np.sqrt(np.mean(e**2))), float(np.mean(np.abs(e)))


def ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    out = np.empty(len(values))
    out[order] = np.arange(len(values))
    return out


def pair_metrics(pairs: list) -> tuple[float, float]:
    """Median |predicted ratio / measured ratio - 1| over every pair of models, and Spearman's
    rank correlation of predicted against measured energy."""
    if len(pairs) < 2:
        return math.nan, math.nan
    predicted = np.array([p[0] for p in pairs])
    measured = np.array([p[1] for p in pairs])
    ratio_errors = [
        abs((predicted[i] / predicted[j]) / (measured[i] / measured[j]) - 1)
        for i, j in itertools.combinations(range(len(pairs)), 2)
    ]
    spearman = float(np.corrcoef(ranks(predicted), ranks(measured))[0, 1])
    return float(np.median(ratio_errors)), spearman


def interval_metrics(pairs: list) -> tuple[float, float]:
    coverage = float(np.mean([p[2] <= p[1] <= p[3] for p in pairs]))
    width = float(np.median([p[3] / p[2] for p in pairs if p[2] > 0]))
    return coverage, width


def plot(overall: dict[str, list], path: Path, title: str) -> Path:
    """Predicted against measured, log-log: a PNG with matplotlib, else a hand-written SVG."""
    series = {name: overall[name] for name in ("energy-lint", "MACs linear", "whole-model linear")}
    values = [v for pairs in series.values() for p in pairs for v in p[:2]]
    low, high = min(values) / 1.5, max(values) * 1.5
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return _svg(series, path.with_suffix(".svg"), low, high, title)
    figure, axes = plt.subplots(figsize=(5.5, 5), dpi=90)
    for (name, pairs), marker in zip(series.items(), "o^s", strict=True):
        axes.scatter([p[1] for p in pairs], [p[0] for p in pairs], label=name, marker=marker, alpha=0.7, s=22)
    axes.plot([low, high], [low, high], color="grey", linewidth=0.8)
    axes.set(xscale="log", yscale="log", xlim=(low, high), ylim=(low, high), title=title)
    axes.set(xlabel="measured energy per forward pass (J)", ylabel="predicted (J), family held out")
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def _svg(series: dict[str, list], path: Path, low: float, high: float, title: str) -> Path:
    size, pad = 400, 40

    def at(value: float) -> float:
        return pad + (math.log(value) - math.log(low)) / (math.log(high) - math.log(low)) * (size - 2 * pad)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}">',
             f'<text x="{pad}" y="20" font-size="12">{title}</text>',
             f'<line x1="{pad}" y1="{size - pad}" x2="{size - pad}" y2="{pad}" stroke="grey"/>']  # fmt: skip
    for (name, pairs), colour in zip(series.items(), ("#1f77b4", "#ff7f0e", "#2ca02c"), strict=True):
        for predicted, measured, *_ in pairs:
            parts.append(
                f'<circle cx="{at(measured):.1f}" cy="{size - at(predicted):.1f}" r="3" fill="{colour}"/>'
            )
        parts.append(f'<text x="{pad}" y="{size - 8 - 12 * len(parts) % 36}" fill="{colour}">{name}</text>')
    path.write_text("\n".join([*parts, "</svg>"]))
    return path


def read(paths: list[Path]) -> list[dict]:
    rows = []
    for path in paths:
        for row in read_rows([path]):
            row["_csv_dir"] = str(path.parent)
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", type=Path, nargs="*", help="measurement files (contract 3)")
    parser.add_argument(
        "--csv", type=Path, action="append", default=[], help="a measurement file; repeatable"
    )
    parser.add_argument(
        "--context", choices=("alone", "in-model"), help="fit only layer rows of this context"
    )
    parser.add_argument("--candidates", default=",".join(CANDIDATES), help="libraries to try per family")
    parser.add_argument("--no-prior", action="store_true", help="trees on log energy alone (the ablation)")
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    parser.add_argument("--section", default="accuracy", help="the RESULTS.md section to replace")
    parser.add_argument(
        "--hold-out",
        action="append",
        default=[],
        metavar="FAMILY",
        help="hold out only this family (repeatable): a quick look while modelling; not with --write",
    )
    options = parser.parse_args()
    if options.hold_out and options.write:
        parser.error("--hold-out gives a partial table: it cannot --write a RESULTS.md section")
    paths = [*options.paths, *options.csv]
    if not paths:
        parser.error("give at least one measurements CSV (--csv PATH)")
    started = time.monotonic()
    info = machine()
    rows = read(paths)
    data = collect(rows, options.context)
    data.use_prior = not options.no_prior
    models, unreadable = read_whole_models(data.model_rows)
    layers = layer_rows(rows, options.context)
    sums = measured_layer_sums(rows, options.context)
    families = sorted({family(m.model) for m in models})
    if len(families) < 2:
        sys.exit(f"need whole-model rows of at least 2 architecture families, found {families}")
    if unknown := set(options.hold_out) - set(families):
        sys.exit(f"--hold-out: no whole-model rows of {sorted(unknown)}; families: {families}")
    families = sorted(options.hold_out) or families
    candidates = options.candidates.split(",")
    per_family: dict[str, dict[str, list]] = {}
    layer_pairs: list[tuple[float, float, float, str]] = []
    places = places_of(rows)
    for held in families:
        per_family[held], pairs = held_out(places, data, models, layers, held, candidates, sums)
        layer_pairs += pairs
        print(f"held out {held}: {len(per_family[held]['energy-lint'])} models", file=sys.stderr)
    overall = {m: [p for f in families for p in per_family[f][m]] for m in [*METHODS, "_rows"]}
    table_rows = []
    for name, results in [*per_family.items(), ("all", overall)]:
        cells = [name, len(results["energy-lint"])]
        cells += [f"{metrics(results[m])[0]:.1%} / {metrics(results[m])[1]:.1%}" for m in METHODS]
        coverage, width = interval_metrics(results["energy-lint"])
        cells += [f"{coverage:.0%}", f"{width:.2f}"]
        table_rows.append(cells)
    header = [
        "held-out family",
        "models",
        *(f"{m} RMSPE / MAPE" for m in METHODS),
        "90% coverage",
        "high/low",
    ]
    pair_rows = [
        [m, *(f"{v:.3f}" if i else f"{v:.1%}" for i, v in enumerate(pair_metrics(overall[m])))]
        for m in METHODS
    ]
    rms = {m: metrics(overall[m])[0] for m in METHODS}
    coverage, width = interval_metrics(overall["energy-lint"])
    loo = leave_one_model_out(models)
    loo_errors = np.abs(errors(loo))
    positive = [p for p in layer_pairs if p[0] > 0]
    measured_layers = np.log([p[0] for p in positive])
    ours_layers = np.log([p[1] for p in positive])
    forest_layers = np.log([p[2] for p in positive])
    how = "no prior (trees on log energy)" if options.no_prior else "trees over the physical prior"
    picture = plot(overall, BENCHMARKS / f"{options.section}.png", f"{options.section}: families held out")
    command = " ".join(
        [f"--csv {p}" for p in paths] + ([f"--context {options.context}"] if options.context else [])
    )
    body = "\n".join([
        f"## Accuracy ({options.section}): whole models, architectures held out by family "
        "(benchmarks/accuracy.py)",
        "",
        f"- Measured on: {measured_on(rows)}; fitted and evaluated on the machine below",
        *machine_lines(info),
        f"- Data: {', '.join(str(p) for p in paths)}: {len(rows)} rows, {len(models)} whole-model rows "
        f"({unreadable} unreadable) of {len(families)} architecture families; layer rows: "
        f"{options.context or 'every context'}; {how}; "
        f"candidates {options.candidates} (chosen per family by "
        f"grouped CV inside each training fold); {time.monotonic() - started:.0f} s",
        f"- Command: `PYTHONPATH=. python benchmarks/accuracy.py {command} "
        f"--candidates {options.candidates} --section {options.section} --write`", "",
        markdown_table(header, table_rows, right=[1]), "",
        "Pairs of held-out models (the question `--diff-base` answers): median error of the predicted "
        "energy ratio, and Spearman's rank correlation of predicted against measured energy:", "",
        markdown_table(["method", "median ratio error", "Spearman"], pair_rows), "",
        f"Overall: energy-lint RMSPE {rms['energy-lint']:.1%} against {rms['MACs linear']:.1%} for "
        f"`a*MACs+b` ({rms['MACs linear'] / rms['energy-lint']:.1f}x; target 15% and 3x), "
        f"{rms['whole-model linear']:.1%} for the whole-model linear fit and "
        f"{rms['per-class RF + affine']:.1%} for the per-class RF (+ affine). 90% interval: covers "
        f"{coverage:.0%} of held-out models (target 85-95%), median high/low {width:.2f} (target <= 2.5).",
        f"Whole-model linear fit left out one model at a time (not one family): RMSPE "
        f"{metrics(loo)[0]:.1%}, median {np.median(loo_errors):.1%} over {len(loo)} models.",
        f"Layer rows of the held-out families ({len(positive)} with time of their own, "
        f"{len(layer_pairs) - len(positive)} with none): energy-lint RMSPE "
        f"{rmspe(measured_layers, ours_layers):.1%}, "
        f"per-class RF {rmspe(measured_layers, forest_layers):.1%} (tiny rows blow RMSPE up); median "
        f"|error| {np.median(np.abs(np.expm1(ours_layers - measured_layers))):.1%} and "
        f"{np.median(np.abs(np.expm1(forest_layers - measured_layers))):.1%}; energy-weighted "
        f"|error| {weighted_error(measured_layers, ours_layers):.1%} and "
        f"{weighted_error(measured_layers, forest_layers):.1%}.",
        f"Measured layers + affine ({floor_note(overall)}) is no predictor: each model's own "
        "measured layer rows, summed, through an affine fit on the training models, i.e. the "
        "error that would remain if every layer were predicted exactly.",
        f"Plot: benchmarks/{picture.name} (predicted against measured, every model predicted with its "
        "family held out).", "",
        "Where the layer sums go wrong: per layer class over the held-out families' layer rows, "
        "energy-lint's predicted minus measured energy, as a share of all those rows' measured energy "
        "(the largest 12 by size; rows with no time of their own count as 0 J measured):", "",
        class_table(layer_pairs),
    ])  # fmt: skip
    print(body)
    write_predictions(overall["_rows"], BENCHMARKS / f"{options.section}-predictions.csv")
    if options.write:
        write_section(options.section, body)


def class_table(layer_pairs: list[tuple[float, float, float, str]]) -> str:
    total = sum(p[0] for p in layer_pairs)
    by_class: dict[str, list] = defaultdict(lambda: [0, 0, 0.0, 0.0])
    for measured, ours, _forest, class_name in layer_pairs:
        entry = by_class[class_name]
        entry[0] += 1
        entry[1] += measured == 0
        entry[2] += measured
        entry[3] += ours
    ranked = sorted(by_class.items(), key=lambda item: -abs(item[1][3] - item[1][2]))[:12]
    rows = [
        [name, n, zero, f"{measured / total:.1%}", f"{ours / total:.1%}", f"{(ours - measured) / total:+.1%}"]
        for name, (n, zero, measured, ours) in ranked
    ]
    header = ["class", "rows", "with no time", "measured share", "predicted share", "predicted - measured"]
    return markdown_table(header, rows, right=[1, 2, 3, 4, 5])


def write_predictions(rows: list[dict], path: Path) -> None:
    """Every held-out model's measured energy and each method's prediction, for a closer look."""
    import csv

    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["model", "batch", "family", "phase", "measured_j", *METHODS])
        writer.writeheader()
        writer.writerows(rows)


def weighted_error(measured_log: np.ndarray, predicted_log: np.ndarray) -> float:
    """sum |predicted - measured| / sum measured: the layers' error weighted by their energy."""
    measured, predicted = np.exp(measured_log), np.exp(predicted_log)
    return float(np.sum(np.abs(predicted - measured)) / np.sum(measured))


def floor_note(overall: dict[str, list]) -> str:
    pairs = overall["measured layers + affine"]
    if not pairs:
        return "no layer rows timed in context here"
    return f"RMSPE {metrics(pairs)[0]:.1%} over {len(pairs)} models"


def measured_on(rows: list[dict]) -> str:
    """Device, backend and how power was obtained, as the rows of the CSV say."""
    devices = sorted({f"{r.get('device')} ({r.get('backend')})" for r in rows})
    sources = sorted(
        {
            str(text)
            for r in rows
            if isinstance(r.get("power_source"), dict)
            for text in r["power_source"].values()
        }
    )
    return f"{', '.join(devices)}; power: {'; '.join(sources) or 'not recorded'}"


if __name__ == "__main__":
    main()
