"""`energy-lint calibrate`: measure a suite on this machine, row by row, within a time budget.

Fitting the predictors into a profile is not built yet: today the command measures (`--no-fit`)
and says so plainly otherwise."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..cli_options import measurement_options
from ..errors import EnergyLintError
from ..units import parse_duration

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
    help="Directory for measurements.csv [default: ./energy-lint-NAME].",
)
@click.option("--no-fit", is_flag=True, help="Only measure; do not fit a profile.")
def calibrate(
    device: str,
    budget: float,
    name: str,
    suite_path: Path,
    out_dir: Path | None,
    min_seconds: float,
    repeats: int,
    no_fit: bool,
) -> None:
    """Measure single layers and whole reference models with CodeCarbon on this machine and
    append them to measurements.csv (contract 3). Resumable: a rerun skips measured rows."""
    if not no_fit:
        click.echo(
            "error: fitting predictors into a profile is not built yet; run with --no-fit to measure only",
            err=True,
        )
        sys.exit(2)
    out_dir = out_dir or Path(f"energy-lint-{name}")
    try:
        result = _run(device, budget, suite_path, out_dir, min_seconds, repeats)
    except EnergyLintError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    click.echo(
        f"{result.measured} measured, {result.already} already in {out_dir / 'measurements.csv'}, "
        f"{result.remaining} left"
        + (" (budget reached; rerun to resume)" if result.stopped_by_budget else ""),
        err=True,
    )
    for case, problem in result.failed:
        click.echo(f"skipped {case}: {problem}", err=True)


def _run(device, budget, suite_path, out_dir, min_seconds, repeats):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..calibration.campaign import Campaign
    from ..calibration.suite import Suite

    try:
        suite = Suite.load(suite_path)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise EnergyLintError(f"{suite_path}: not a readable suite ({error})") from None
    out_dir.mkdir(parents=True, exist_ok=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA {task.fields[eta]}"),
    )
    with Progress(*columns, transient=False, console=_stderr_console()) as progress:
        task = progress.add_task("calibrating", total=None, eta="?")

        def report(index: int, total: int, what: str, eta_s: float) -> None:
            eta = f"{eta_s / 60:.0f} min" if eta_s >= 60 else f"{eta_s:.0f} s"
            progress.update(task, completed=index, total=total, description=what[:48], eta=eta)

        campaign = Campaign(
            suite,
            suite_path.parent,
            out_dir / "measurements.csv",
            device=device,
            budget_s=budget,
            min_seconds=min_seconds,
            repeats=repeats,
            on_progress=report,
        )
        return campaign.run()


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)
