"""Whole-model RMSPE of every method of an accuracy run over a subset of its held-out families,
read off its predictions file (benchmarks/accuracy-*-predictions.csv): nothing is refitted, each
model keeps the prediction it got with its own family held out.

For a family that is calibration stimulus rather than an architecture anyone ships (rand-kernel:
stacks of one kernel kind), the question "how far off is a new architecture" is best asked of
the others; the run's overall line, every family included, stays the figure of record.

    PYTHONPATH=. .venv-test/bin/python benchmarks/accuracy_subset.py \\
        benchmarks/accuracy-cpu-xeon-2core-tf-ctx2-predictions.csv --without rand-kernel
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
from correction_choice import rmspe

REFERENCE = "MACs linear"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("predictions", type=Path)
    parser.add_argument("--without", action="append", default=[], metavar="FAMILY", help="repeatable")
    parser.add_argument("--only", action="append", default=[], metavar="FAMILY", help="repeatable")
    parser.add_argument("--phase", help='only models of this phase ("forward", "prefill", "decode")')
    options = parser.parse_args()
    with options.predictions.open(newline="") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["family"] not in options.without
            and (not options.only or r["family"] in options.only)
            and (not options.phase or r.get("phase", "forward") == options.phase)
        ]
    if not rows:
        wanted = ", ".join(options.only) or "any family"
        parser.error(f"{options.predictions}: no model left of {wanted} outside {options.without}")
    measured = np.array([float(r["measured_j"]) for r in rows])
    methods = [c for c in rows[0] if c not in ("model", "batch", "family", "phase", "measured_j")]
    families = sorted({r["family"] for r in rows})
    phase = f", phase {options.phase}" if options.phase else ""
    left_out = ", ".join(options.without) or "none"
    print(f"{len(rows)} models of {len(families)} families (without {left_out}{phase})")
    reference = rmspe(np.array([float(r[REFERENCE]) for r in rows]), measured)
    for method in methods:
        usable = [i for i, r in enumerate(rows) if r[method]]
        predicted = np.array([float(rows[i][method]) for i in usable])
        error = rmspe(predicted, measured[usable])
        median = float(np.median(np.abs(predicted / measured[usable] - 1)))
        print(f"  {method:26s} RMSPE {error:6.1%}  median |error| {median:6.1%}  "
              f"({reference / error:.1f}x closer than {REFERENCE})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
