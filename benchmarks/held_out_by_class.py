"""Where a held-out family's layer sums go wrong, by layer class and batch size: the layer
predictors are fitted without the family (as benchmarks/accuracy.py does for it), each of its
measured models is priced node by node, and the predicted energy of each class is set beside
the energy its nodes were measured at in context. Also how many architectures each predictor
family still had to learn from with the family held out: a family priced from one or two
architectures is a coverage gap of the campaign, not a modelling error.

    PYTHONPATH=. python benchmarks/held_out_by_class.py \\
        --csv calibration/cpu-epyc-2core-ort/measurements.csv --context in-model --hold-out torch-transformer
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import collect, fit_without, forward_layer_rows, read

from energy_lint.calibration.architecture_families import architecture_family
from energy_lint.calibration.measurements import run_of
from energy_lint.calibration.whole_models import read_whole_models
from energy_lint.estimation.forward_pass import estimate

SHOWN = 0.01
"""Classes under this share of a batch's measured and predicted energy are left out."""


def show(layers: list[tuple[str, str, float, float]], top: int | None) -> None:
    """Each layer's measured and predicted energy; with `top`, the `top` largest by measured
    share, each as a share of the model's measured and of its predicted layers."""
    if top is None:
        for name, kind, got, priced in layers:
            print(f"  {name[-28:]:28s} {kind:16s} {got * 1e6:10.1f} uJ {priced * 1e6:10.1f} uJ")
        return
    measured, predicted = sum(layer[2] for layer in layers), sum(layer[3] for layer in layers)
    print(f"  {'layer':28s} {'class':16s} {'measured share':>15s} {'predicted share':>16s}")
    for name, kind, got, priced in sorted(layers, key=lambda layer: -layer[2])[:top]:
        print(f"  {name[-28:]:28s} {kind:16s} {got / measured:15.1%} {priced / predicted:16.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, required=True, help="measurements (contract 3)")
    parser.add_argument("--context", choices=("alone", "in-model"), default=None)
    parser.add_argument("--hold-out", required=True, metavar="FAMILY", help="the architecture family")
    parser.add_argument("--candidates", default="xgboost")
    parser.add_argument("--model", help="also list this held-out model's layers, measured beside predicted")
    parser.add_argument(
        "--top",
        type=int,
        help="with --model: only its N largest layers by measured share, as shares of its layers",
    )
    options = parser.parse_args()
    rows = read([options.csv])
    data = collect(rows, options.context)
    data.use_prior = True
    held = options.hold_out
    models, _ = read_whole_models(data.model_rows)
    test = [m for m in models if architecture_family(m.model) == held]
    if not test:
        sys.exit(f"no whole-model rows of {held!r}")
    training, _, _, profile = fit_without(data, held, options.candidates.split(","))
    print(f"predictor families fitted without {held}: rows, architectures")
    for family, items in sorted(training.by_family.items()):
        groups = len({group for _, _, group in items})
        print(f"  {family:16s} {len(items):6d} rows  {groups:4d} architectures")
    measured: dict[tuple[str, int, str, str], float] = defaultdict(float)
    for row in forward_layer_rows(rows, options.context):
        if architecture_family(str(row.get("model") or "")) == held:
            node = str(row.get("source") or "").split(":", 1)[-1]
            measured[(row["model"], int(float(row["batch_size"])), run_of(row), node)] += float(
                row["energy_j"]
            )
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    counts: dict[str, int] = defaultdict(int)
    for model in test:
        group = f"batch {model.batch}" + (f", {model.phase}" if model.phase != "forward" else "")
        counts[group] += 1
        classes = {node.name: node.priced_as for node in model.graph.layers}
        listing = model.model == options.model
        listed: list[tuple[str, str, float, float]] = []
        for layer in estimate(model.graph, profile).layers:
            kind = classes.get(layer.name, layer.type)
            pair = totals[(group, kind)]
            got = measured.get((model.model, model.batch, model.run, layer.name), 0.0)
            pair[0] += got
            pair[1] += layer.energy_j
            if listing and max(got, layer.energy_j) > 0:
                listed.append((layer.name, kind, got, layer.energy_j))
        if listing:
            print(f"\n{model.model} x{model.batch}: measured {model.measured_j * 1e3:.3f} mJ whole")
            show(listed, options.top)
    for group in sorted(counts):
        here = {c: v for (g, c), v in totals.items() if g == group}
        total = sum(v[0] for v in here.values())
        print(f"\n{group}: {counts[group]} runs, measured {total:.4f} J in layers")
        print(f"  {'class':20s} {'measured J':>11s} {'predicted J':>12s} {'predicted/measured':>19s}")
        for name, (got, predicted) in sorted(here.items(), key=lambda item: -item[1][0]):
            if max(got, predicted) >= SHOWN * total:
                ratio = f"{predicted / got:.2f}" if got > 0 else "-"
                print(f"  {name:20s} {got:11.4f} {predicted:12.4f} {ratio:>19s}")


if __name__ == "__main__":
    main()
