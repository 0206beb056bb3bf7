"""Where the gap between measured whole models and the sum of layer predictions comes from, for
a profile and the measurements CSV it was fitted from:

- per whole-model row, the layer predictions summed over compute layers (convolutions, dense,
  attention, recurrent, embedding) and over memory-bound layers (everything else), beside the
  measured energy;
- the non-negative least-squares fit whole = overhead + a x compute + b x memory-bound (on
  relative error), its weights, and its leave-one-architecture-out RMSPE beside the profile's
  affine correction refitted the same way;
- the share of the measured joules that CodeCarbon attributes to RAM.

    .venv-test/bin/python benchmarks/whole_model_gap.py \
        calibration/cpu-xeon-2core-tf-ctx2/measurements.csv energy_lint/predictors/cpu-xeon-2core-tf-ctx

Needs scipy (it comes with scikit-learn, in the [calibrate] and [test] extras)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.optimize import nnls

from energy_lint.calibration.measurements import read_rows
from energy_lint.estimation.forward_pass import estimate
from energy_lint.estimation.profile import load_profile
from energy_lint.graph import read_model

COMPUTE = {"dense", "conv", "conv_transpose", "depthwise_conv", "separable_conv"}
COMPUTE |= {"attention", "recurrent", "embedding"}


def sums(csv_path: Path, profile_dir: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(compute and memory-bound sums per row, measured energy, architecture, RAM share)."""
    profile = load_profile(profile_dir)
    rows = [row for row in read_rows([csv_path]) if row["layer_class"] == "Model"]
    parts, measured, groups = [], [], []
    for row in rows:
        model = csv_path.parent / row["layer_config"]["model"]
        batch = int(row.get("batch_size") or row["input_shape"][0][0])
        layers = estimate(read_model(model, batch_size=batch), profile).layers
        compute = sum(layer.energy_j for layer in layers if layer.predictor in COMPUTE)
        parts.append((compute, sum(layer.energy_j for layer in layers) - compute))
        measured.append(float(row["energy_j"]))
        groups.append(model.stem)
    all_rows = read_rows([csv_path])
    ram = sum(float(r["ram_energy_j"] or 0) for r in all_rows)
    total = sum(float(r["energy_j"]) for r in all_rows if r.get("ram_energy_j"))
    return np.array(parts), np.array(measured), np.array(groups), ram / total if total else float("nan")


def fit(design: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """Non-negative weights minimising the relative error."""
    weights, _ = nnls(design / measured[:, None], np.ones_like(measured))
    return weights


def loao_rmspe(design: np.ndarray, measured: np.ndarray, groups: np.ndarray) -> float:
    predicted = np.empty_like(measured)
    for group in np.unique(groups):
        held = groups == group
        predicted[held] = design[held] @ fit(design[~held], measured[~held])
    residual = np.log(measured) - np.log(np.maximum(predicted, 1e-12))
    return float(np.sqrt(np.mean(residual**2)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("profile", type=Path)
    args = parser.parse_args()
    parts, measured, groups, ram_share = sums(args.csv, args.profile)
    ones = np.ones((len(measured), 1))
    affine = np.hstack([ones, parts.sum(axis=1, keepdims=True)])
    grouped = np.hstack([ones, parts])
    print("architecture            compute_j  memory_j  measured_j")
    for index in np.argsort(groups, kind="stable"):
        print(f"{groups[index]:<22} {parts[index, 0]:9.3f} {parts[index, 1]:9.3f} {measured[index]:10.3f}")
    overhead, a, b = fit(grouped, measured)
    print(f"grouped fit: overhead {overhead:.4f} J, compute x {a:.3f}, memory-bound x {b:.3f}")
    print(f"leave-one-architecture-out RMSPE: affine {loao_rmspe(affine, measured, groups):.1%}, ", end="")
    print(f"grouped {loao_rmspe(grouped, measured, groups):.1%}")
    print(f"share of measured joules CodeCarbon attributes to RAM: {ram_share:.1%}")


if __name__ == "__main__":
    main()
