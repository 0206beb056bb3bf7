"""Training energy on this machine: the pre-training estimate of `check` ([tool.energy-lint.training]
priced with a profile's measured training/forward ratios) and the projection of `measure
--train` from the first 20% of epochs, against the measured energy of the full run, beside two
naive estimates: "3 x forward" (three forward passes per training step, from the same
profile's forward estimate) and "TDP x time" (the CPU's TDP, as CodeCarbon knows it, times the
measured duration of the run).

Every model is trained for real on random data by `energy-lint measure --train` (Adam, mean
squared error, batch 32, validation each epoch) in its own process, one after another: run it
on a quiet machine, since CodeCarbon's CPU figure follows the machine's load.

    .venv-test/bin/python benchmarks/training.py --profile cpu-epyc-2core-tf --write

The models are small CNNs, MLPs and a small transformer built here with Keras (weights never
saved: only their configs), none of them a calibration reference model."""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import (
    energy_lint_command,
    machine,
    machine_lines,
    markdown_table,
    quiet_env,
    write_section,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from energy_lint.calibration.projection import project

BATCH = 32
EARLY_SHARE = 0.2


def build_models(directory: Path) -> dict[str, tuple[Path, int]]:
    """(config file, training samples) per model; samples sized for epochs of a few seconds
    on a 2-core CPU."""
    import keras
    from keras import layers

    def mlp(width: int, inputs: int) -> keras.Model:
        x = keras.Input((inputs,))
        h = layers.Dense(width, activation="relu")(x)
        h = layers.Dense(width // 2, activation="relu")(h)
        return keras.Model(x, layers.Dense(10, activation="softmax")(h))

    def cnn(batch_norm: bool) -> keras.Model:
        x = keras.Input((32, 32, 3))
        h = x
        for filters in (32, 64):
            h = layers.Conv2D(filters, 3, padding="same", use_bias=not batch_norm)(h)
            h = layers.BatchNormalization()(h) if batch_norm else h
            h = layers.ReLU()(h)
            h = layers.MaxPooling2D()(h)
        h = layers.GlobalAveragePooling2D()(h) if batch_norm else layers.Flatten()(h)
        h = layers.Dense(128, activation="relu")(h)
        return keras.Model(x, layers.Dense(10, activation="softmax")(h))

    def transformer() -> keras.Model:
        tokens = keras.Input((64,), dtype="int32")
        h = layers.Embedding(5000, 128)(tokens)
        attended = layers.MultiHeadAttention(num_heads=4, key_dim=32)(h, h)
        h = layers.LayerNormalization()(layers.Add()([h, attended]))
        fed = layers.Dense(128)(layers.Dense(256, activation="relu")(h))
        h = layers.LayerNormalization()(layers.Add()([h, fed]))
        h = layers.GlobalAveragePooling1D()(h)
        return keras.Model(tokens, layers.Dense(2, activation="softmax")(h))

    models = {
        "mlp_small": (mlp(256, 784), 32768),
        "mlp_wide": (mlp(2048, 1024), 8192),
        "cnn_small": (cnn(False), 4096),
        "cnn_batchnorm": (cnn(True), 4096),
        "transformer_tiny": (transformer(), 2048),
    }
    found = {}
    for name, (model, samples) in models.items():
        path = directory / f"{name}.json"
        path.write_text(model.to_json())
        found[name] = (path, samples)
    return found


def run_json(command: list[str], cwd: Path | None = None) -> dict:
    done = subprocess.run(command, capture_output=True, text=True, env=quiet_env(), cwd=cwd)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def measured_run(path: Path, epochs: int, samples: int) -> dict:
    return run_json(
        [*energy_lint_command(), "measure", str(path), "--train", "--epochs", str(epochs),
         "--samples", str(samples), "--validation-samples", str(samples // 5),
         "--batch-size", str(BATCH), "--format", "json"]
    )  # fmt: skip


def pre_estimate(path: Path, profile: str, epochs: int, samples: int, directory: Path) -> dict:
    config = directory / f"{path.stem}.toml"
    config.write_text(
        f"[training]\nepochs = {epochs}\ntraining-samples = {samples}\n"
        f"validation-samples = {samples // 5}\nbatch-size = {BATCH}\n"
    )
    report = run_json(
        [*energy_lint_command(), "check", str(path), "--profile", profile, "--config", str(config),
         "--format", "json", "--exit-zero"]
    )  # fmt: skip
    return report["models"][0]["training"] | {"profile_power": report["profile"]["power"]}


def error(estimate: float, truth: float) -> float:
    return estimate / truth - 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="cpu-epyc-2core-tf")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--only", nargs="*", help="model names to run")
    parser.add_argument("--write", action="store_true", help="write the section of benchmarks/RESULTS.md")
    args = parser.parse_args()
    early = max(1, math.ceil(EARLY_SHARE * args.epochs))
    rows, errors = [], {"pre": [], "step": [], "three": [], "tdp": []}
    covered = 0
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for name, (path, samples) in build_models(directory).items():
            if args.only and name not in args.only:
                continue
            measured = measured_run(path, args.epochs, samples)
            truth = measured["measured_j"]
            energies = [epoch["energy_j"] for epoch in measured["epochs"]]
            step = project(energies[:early], args.epochs)
            pre = pre_estimate(path, args.profile, args.epochs, samples, directory)
            if "energy_j" not in pre:
                sys.exit(f"profile {args.profile} has no training predictors: calibrate --train first")
            plan_steps, val_steps = pre["steps_per_epoch"], pre["validation_steps"]
            forward = pre["validation_pass_j"]
            three = args.epochs * (plan_steps * 3 * forward + val_steps * forward)
            tdp = (measured["cpu_tdp_w"] or math.nan) * measured["measured_s"]
            low, high = pre["energy_j_interval"]
            covered += low <= truth <= high
            found = {"pre": pre["energy_j"], "step": step.energy_j, "three": three, "tdp": tdp}
            for key, value in found.items():
                errors[key].append(error(value, truth))
            rows.append(
                [name, f"{samples:,} x {args.epochs}", f"{truth:.1f}", f"{measured['measured_s']:.0f}",
                 f"{pre['step_to_forward']:.2f}",
                 *(f"{value:.1f} ({error(value, truth):+.0%})" for value in found.values()),
                 "yes" if low <= truth <= high else "no"]
            )  # fmt: skip
            print(rows[-1], file=sys.stderr)
    mape = {key: statistics.fmean(abs(e) for e in values) for key, values in errors.items() if values}
    labels = {
        "pre": "PRE estimate (check)",
        "step": f"STEP from the first {early} of {args.epochs} epochs",
        "three": "3 x forward",
        "tdp": "TDP x time",
    }
    header = ["Model", "Samples x epochs", "Measured J", "Seconds", "Step/forward (pred.)", "PRE estimate J"]
    header += [f"STEP from {early} epochs J", "3 x forward J", "TDP x time J", "In PRE 90%"]
    power = pre["profile_power"] if rows else "?"
    body = "\n".join(
        [
            "## Training energy: estimate before training and projection from early epochs "
            "(benchmarks/training.py)",
            "",
            *machine_lines(machine()),
            f"- Profile {args.profile} (power: {power}); batch {BATCH}, Adam, MSE, random data, "
            "validation on 20% more samples each epoch",
            "- Measured: `energy-lint measure --train` (CodeCarbon; on this CPU its estimate from CPU load x "
            "TDP plus constant RAM power, not a measurement)",
            "",
            markdown_table(header, rows, right=range(1, 9)),
            "",
            f"MAPE against the measured run, {len(rows)} models: "
            + ", ".join(f"{labels[key]} {value:.1%}" for key, value in mape.items())
            + f"; the PRE 90% interval covered {covered} of {len(rows)}.",
        ]
    )
    print(body)
    if args.write:
        print(f"written to {write_section('training', body)}", file=sys.stderr)


if __name__ == "__main__":
    main()
