"""`energy-lint calibrate`: measure a suite on this machine within a time budget, row by row,
then fit the per-family predictors and the whole-model correction into a hardware profile."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from ..errors import EnergyLintError, first_line
from ..units import parse_duration
from .options import measurement_options

DEFAULT_SUITE = Path(__file__).resolve().parents[2] / "calibration" / "suites" / "default.json"


def _duration(ctx: click.Context, param: click.Parameter, value: str) -> float:
    try:
        return parse_duration(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command("calibrate")
@measurement_options(min_seconds=1.0)
@click.option(
    "--budget",
    default="20m",
    show_default=True,
    callback=_duration,
    help="Stop measuring after this long (90s, 20m, 2h); a rerun resumes.",
)
@click.option("--name", required=True, help="Name of the hardware profile.")
@click.option(
    "--suite",
    "suite_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_SUITE,
    show_default=True,
    help="What to measure (a suite JSON file).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="The profile directory to write [default: the user profiles directory / NAME].",
)
@click.option(
    "--measurements",
    "measurements_path",
    type=click.Path(path_type=Path),
    help="The CSV to append measurements to [default: OUT/measurements.csv].",
)
@click.option(
    "--from-csv",
    "from_csv",
    multiple=True,
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Fit from these measurement files (merged) without measuring. Repeatable.",
)
@click.option(
    "--context",
    type=click.Choice(["alone", "in-model"]),
    help="Fit only layer rows measured this way (the `context` column; empty = alone) [default: all].",
)
@click.option(
    "--candidates",
    default="random_forest,xgboost,catboost",
    show_default=True,
    help="Tree libraries to choose among per family (comma-separated; one is fastest).",
)
@click.option("--no-fit", is_flag=True, help="Only measure; do not fit a profile.")
@click.option(
    "--train",
    is_flag=True,
    help="Also measure a training step of every case (Adam, MSE loss), right after its "
    "forward pass: the profile then predicts training energy. With --in-context, every layer's "
    "forward and backward time inside the model's training step.",
)
@click.option(
    "--in-context",
    "in_context",
    is_flag=True,
    help="Profile whole models instead of single layers: a row per layer timed inside its "
    "running model (TensorFlow profiler, tf.function, XLA off; for .onnx files onnxruntime's "
    "profiler) and a row per model, energy = time x the power model CodeCarbon gives this "
    "machine. Measures only (no fit).",
)
@click.option(
    "--models",
    "models",
    multiple=True,
    type=click.Path(path_type=Path),
    help="With --in-context: model files or directories to profile [default: examples/ and "
    "calibration/models/]; .onnx files are profiled in onnxruntime. Repeatable.",
)
@click.option(
    "--sample",
    type=click.IntRange(0),
    help="With --in-context: how many random architectures (CNNs, MLPs, transformer blocks, "
    "RNNs) to sample and profile too [default: 300 with Keras models, none with .onnx ones].",
)
@click.option(
    "--transformers",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="With --in-context: how many KerasHub transformers (Llama, Qwen, Gemma, GPT-2, BERT "
    "configurations) to sample and profile, over a prompt and, for a decoder, one decode step; "
    "kept in calibration/transformers/. Needs keras-hub.",
)
@click.option(
    "--architectures",
    "architectures_dir",
    type=click.Path(path_type=Path),
    help="With --in-context: where the sampled model files are written and kept "
    "[default: calibration/architectures/].",
)
def calibrate(
    device: str,
    budget: float,
    name: str,
    suite_path: Path,
    out_dir: Path | None,
    measurements_path: Path | None,
    from_csv: tuple[Path, ...],
    min_seconds: float,
    repeats: int,
    no_fit: bool,
    train: bool,
    context: str | None,
    candidates: str,
    in_context: bool,
    models: tuple[Path, ...],
    sample: int | None,
    transformers: int,
    architectures_dir: Path | None,
) -> None:
    """Measure single layers and whole reference models with CodeCarbon on this machine,
    appending to a measurements CSV (docs/contracts.md, 3. Measurements CSV; a rerun resumes),
    then fit a profile
    (docs/contracts.md, 4. Profile directory). With --from-csv, only fit, from measurements made anywhere."""
    from ..estimation.profile import user_profiles_dir

    out_dir = out_dir or user_profiles_dir() / name
    csv_path = measurements_path or out_dir / "measurements.csv"
    try:
        if in_context:
            _in_context(csv_path, budget, models, sample, transformers, architectures_dir, device, train)
            return
        if not from_csv:
            result = _run(device, budget, suite_path, csv_path, min_seconds, repeats, train)
            _summary(result, csv_path)
        if not no_fit:
            _fit(name, list(from_csv) or [csv_path], out_dir, context, _candidates(candidates))
    except EnergyLintError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)


def _in_context(csv_path, budget, models, sample, transformers, architectures_dir, device, train) -> None:
    from .calibrate_in_context import DEFAULT_ARCHITECTURES, run_in_context

    if device != "cpu":
        raise EnergyLintError("--in-context measures on the cpu only (no GPU yet)")
    result = run_in_context(
        csv_path,
        budget,
        models,
        sample,
        architectures_dir or DEFAULT_ARCHITECTURES,
        (1, 8),
        seed=0,
        train=train,
        transformers=transformers,
    )
    _summary(result, csv_path)
    click.echo("in-context rows are measured only; fit them with calibrate --from-csv", err=True)


def _summary(result, csv_path: Path) -> None:
    click.echo(
        f"{result.measured} measured, {result.already} already in {csv_path}, {result.remaining} left"
        + (" (budget reached; rerun to resume)" if result.stopped_by_budget else ""),
        err=True,
    )
    for case, problem in result.failed:
        click.echo(f"skipped {case}: {problem}", err=True)


def _candidates(text: str) -> tuple[str, ...]:
    known = ("random_forest", "xgboost", "catboost")
    chosen = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [kind for kind in chosen if kind not in known]
    if unknown or not chosen:
        raise EnergyLintError(
            f"--candidates: unknown {', '.join(unknown) or '(none given)'}; known: {', '.join(known)}"
        )
    return chosen


def _fit(
    name: str,
    csv_paths: list[Path],
    out_dir: Path,
    context: str | None = None,
    candidates: tuple[str, ...] = ("random_forest", "xgboost", "catboost"),
) -> None:
    import csv

    from ..calibration.profile_writer import build_profile

    try:
        meta = build_profile(name, csv_paths, out_dir, candidates, context=context)
    except (ValueError, KeyError, csv.Error, UnicodeDecodeError) as error:
        raise EnergyLintError(
            f"cannot fit a profile from {', '.join(map(str, csv_paths))}: {first_line(error)}"
        ) from None
    click.echo(f"profile {name} written to {out_dir} (power: {meta['power']})", err=True)
    dataset = meta["dataset"]
    click.echo(
        f"  {dataset['layer_rows']} layer rows, {dataset['model_rows']} whole models, "
        f"{dataset['skipped_rows']} rows skipped",
        err=True,
    )
    for why, count in dataset.get("skipped_why", {}).items():
        click.echo(f"    skipped {count}: {why}", err=True)
    for family, entry in {**meta["families"], "generic": meta["generic"]}.items():
        errors = ", ".join(f"{kind} {value:.1%}" for kind, value in entry["cv_rmspe"].items())
        click.echo(
            f"  {family:<16} {entry['rows']:>5} rows  {entry['predictor']:<13} CV RMSPE: {errors}", err=True
        )
    correction = meta["correction"]
    click.echo(f"  whole-model correction: {correction['kind']} {correction.get('cv_rmspe', '')}", err=True)
    if "interval_coverage" in correction:
        click.echo(
            f"  90% interval, out of sample: covers {correction['interval_coverage']:.0%}, "
            f"median high/low {correction['interval_high_over_low']:.2f}",
            err=True,
        )
    training = meta.get("training")
    if training is None:
        click.echo(
            "  training: too few measured pairs for a training/forward ratio (calibrate --train)", err=True
        )
        return
    for family, entry in {**training["families"], "generic": training["generic"]}.items():
        errors = ", ".join(f"{kind} {value:.1%}" for kind, value in entry["cv_rmspe"].items())
        click.echo(
            f"  train/{family:<10} {entry['rows']:>5} pairs {entry['predictor']:<13} CV RMSPE: {errors}",
            err=True,
        )
    step = training["correction"]
    click.echo(f"  training correction: {step['kind']} {step.get('cv_rmspe', '')}", err=True)


def _run(device, budget, suite_path, csv_path, min_seconds, repeats, train):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..calibration import hardware
    from ..calibration.campaign import Campaign
    from ..calibration.suite import Suite

    try:
        suite = Suite.load(suite_path)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise EnergyLintError(f"{suite_path}: not a readable suite ({error})") from None
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    # Before the progress bar: a CSV of another machine is one line and exit 2.
    warning = hardware.claim(csv_path, hardware.this_machine(device))
    if warning:
        click.echo(f"warning: {warning}", err=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA {task.fields[eta]}"),
    )
    with Progress(*columns, transient=False, console=_stderr_console()) as progress:
        task = progress.add_task("calibrating", total=None, eta="?")

        console = progress.console
        last_line = [0.0]

        def report(index: int, total: int, what: str, eta_s: float) -> None:
            eta = f"{eta_s / 60:.0f} min" if eta_s >= 60 else f"{eta_s:.0f} s"
            progress.update(task, completed=index, total=total, description=what[:48], eta=eta)
            # A log (CI, nohup) gets no live bar: give it a plain line a minute instead.
            if not console.is_terminal and time.monotonic() - last_line[0] >= 60:
                last_line[0] = time.monotonic()
                console.print(f"calibrating {index}/{total}, {eta} left within the budget: {what}")

        campaign = Campaign(
            suite,
            suite_path.parent,
            csv_path,
            device=device,
            budget_s=budget,
            min_seconds=min_seconds,
            repeats=repeats,
            train=train,
            on_progress=report,
        )
        return campaign.run()


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)
