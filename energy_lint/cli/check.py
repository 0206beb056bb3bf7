"""`energy-lint check`: estimate the energy and CO2e of model files, apply the budget and trust
rules, report, and exit 0 (clean), 1 (a violation at or above --fail-on) or 2 (an input or the
configuration could not be used). Configuration sits under the flags via click's default_map."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from ..engine.config import ConfigError, find_config, load_config
from ..engine.discovery import discover
from ..engine.reading import read_each
from ..errors import EnergyLintError
from ..graph.files import file_format
from ..report import CHECK_FORMATS
from .messages import EXIT_ERROR, EXIT_OK, EXIT_VIOLATIONS, fail, print_error
from .options import model_shape_options


def _load_config(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    """Eager: read the configuration before the other options, so that its values become their
    defaults (flags still win)."""
    try:
        path = value or find_config(Path.cwd())
        config = load_config(path)
    except ConfigError as error:
        fail(error)
    ctx.ensure_object(dict)["config"] = config
    ctx.default_map = {**(ctx.default_map or {}), **_as_defaults(config.options)}


def _as_defaults(options: dict[str, Any]) -> dict[str, Any]:
    defaults = dict(options)
    if "profile" in defaults:  # one profile in the configuration; --profile may repeat
        defaults["profiles"] = [defaults.pop("profile")]
    for key in ("select", "ignore", "extend_select"):
        if key in defaults:
            defaults[key] = ",".join(defaults[key])
    if "input_shapes" in defaults:  # resolved per model (overrides may give their own)
        defaults.pop("input_shapes")
    return defaults


def _codes(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    from ..rules import RULES

    codes = tuple(code.strip().upper() for code in value.split(",") if code.strip())
    for code in codes:
        if not any(rule.code.startswith(code) for rule in RULES):
            raise click.BadParameter(f"no rule code starts with {code!r} (see energy-lint rules)")
    return codes


@click.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    is_eager=True,
    expose_value=False,
    callback=_load_config,
    help="Configuration file [default: the nearest energy-lint.toml, or pyproject.toml with "
    "[tool.energy-lint]].",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(list(CHECK_FORMATS)),
    default="text",
    show_default=True,
    help="; ".join(f"{name}: {what}" for name, what in CHECK_FORMATS.items()) + ".",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, writable=True),
    help="Write the report to this file instead of standard output.",
)
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    metavar="NAME[@REGION]",
    help="Hardware profile: a name (see energy-lint profiles) or a directory. Repeat to compare "
    "hardware: every model is priced on each, with the grid after @ (a country or cloud region; "
    "default: --country/--region), and the cheapest is named. Rules use the first.",
)
@model_shape_options
@click.option("--country", help="ISO 3166 alpha-3 country code of the grid (DEU, FRA, USA...).")
@click.option(
    "--region",
    help="Cloud region as provider:region (aws:eu-west-1, azure:westeurope, gcp:europe-west1); AWS and "
    "Azure regions are priced at the grid of their country or US state.",
)
@click.option(
    "--pue", type=click.FloatRange(min=1.0), default=1.0, show_default=True, help="Power usage effectiveness."
)
@click.option(
    "--inferences",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    help="Samples the CO2e budget (EL103) counts.",
)
@click.option("--select", callback=_codes, help="Rule codes or prefixes to enable [default: EL].")
@click.option("--ignore", callback=_codes, help="Rule codes or prefixes to disable.")
@click.option("--extend-select", callback=_codes, help="Rule codes or prefixes to enable on top of select.")
@click.option(
    "--diff-base",
    metavar="REF",
    help="Compare each model with the same file at this git ref (a branch, tag or commit); "
    "the regression budget (EL104) applies.",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Compare each model with its entry (by path) in a saved `check --format json` report.",
)
@click.option(
    "--skip-non-models",
    is_flag=True,
    help="Skip named .json files that are not Keras model configs and weights-only .h5 files "
    "silently (for pre-commit, which passes every file that matches).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show every layer, not only the top ones.")
@click.option("--statistics", is_flag=True, help="Count the violations per rule code.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "never"]),
    default="error",
    show_default=True,
    help="The lowest severity that makes the exit code 1.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are violations (--fail-on never).")
@click.pass_context
def check(
    ctx: click.Context,
    paths: tuple[Path, ...],
    output_format: str,
    output: Path | None,
    profiles: tuple[str, ...],
    batch_size: int,
    input_shapes: tuple[tuple[int, ...], ...],
    country: str | None,
    region: str | None,
    pue: float,
    inferences: int,
    select: tuple[str, ...] | None,
    ignore: tuple[str, ...] | None,
    extend_select: tuple[str, ...] | None,
    diff_base: str | None,
    baseline: Path | None,
    skip_non_models: bool,
    verbose: bool,
    statistics: bool,
    fail_on: str,
    exit_zero: bool,
) -> None:
    """Predict the energy of one forward pass and its CO2e for model files (.keras, .h5, .json,
    .onnx, Hugging Face config.json) or directories of them, without running them, and check
    them against budgets."""
    from ..engine.model_check import CheckSettings, check_models
    from ..report import check_writer
    from ..report.run import CheckRun
    from ..rules import selected_codes

    config = ctx.obj["config"]
    files, errors = discover(paths, skip_non_models=skip_non_models)
    try:
        intensity = _intensity(ctx, country, region)
        first, *others = _priced_profiles(profiles, intensity, {file_format(path) for path in files})
        settings = CheckSettings(
            profile=first.profile,
            intensity=first.intensity,
            pue=pue,
            inferences=inferences,
            enabled=selected_codes(select or ("EL",), ignore or (), extend_select or ()),
            config=config,
            others=others,
        )
        comparison = _comparison(diff_base, baseline, first.profile.name)
    except EnergyLintError as error:
        fail(error)
    for error in errors:
        click.echo(f"error: {error}", err=True)
    if ctx.get_parameter_source("input_shapes") == ParameterSource.COMMANDLINE:
        shapes: Any = input_shapes  # the flag applies to every model
    else:
        shapes = lambda path: config.input_shapes_for(str(path))  # noqa: E731
    graphs = read_each(files, errors, batch_size, shapes, on_error=print_error)
    checked = check_models(graphs, settings, comparison, errors, on_error=print_error)
    run = CheckRun(checked, settings, errors, verbose, statistics)
    try:
        with _destination(output) as out:
            check_writer(output_format).write(run, out)
    except OSError as error:
        fail(EnergyLintError(f"{output}: cannot be written ({error.strerror or error})"))
    if errors:
        sys.exit(EXIT_ERROR)
    failing = {"error": run.error_count, "warning": run.violation_count, "never": 0}[fail_on]
    sys.exit(EXIT_VIOLATIONS if failing and not exit_zero else EXIT_OK)


def _priced_profiles(choices: tuple[str, ...], intensity: Any, formats: set[str | None]) -> list[Any]:
    """Each --profile with its grid (its own after @, else the run's); the default profile
    for the models' formats when none is given."""
    from ..estimation.profile import default_profile, find_profile, load_profile
    from ..impact.carbon import intensity_for
    from ..impact.hardware_comparison import PricedProfile, split_choice

    if not choices:
        return [PricedProfile(load_profile(default_profile(formats)), intensity)]
    priced = []
    for choice in choices:
        name, region = split_choice(choice)
        grid = intensity_for(region) if region else intensity
        priced.append(PricedProfile(load_profile(find_profile(name)), grid))
    return priced


def _comparison(diff_base: str | None, baseline: Path | None, profile: str) -> Any:
    from ..engine.comparison import GitBase, ReportBase

    if diff_base and baseline:
        raise EnergyLintError("give --diff-base or --baseline, not both")
    if diff_base:
        return GitBase(diff_base)
    return ReportBase(baseline, profile) if baseline else None


def _destination(output: Path | None) -> Any:
    """The report's file, or standard output (not closed)."""
    if output is None:
        return nullcontext(sys.stdout)
    return output.open("w", encoding="utf-8")


def _intensity(ctx: click.Context, country: str | None, region: str | None):
    """The grid: the one location given at the highest level (flag over configuration)."""
    from ..impact.carbon import intensity_for

    if country and region:
        levels = {name: ctx.get_parameter_source(name) for name in ("country", "region")}
        if levels["country"] == levels["region"]:
            raise EnergyLintError("give a country or a cloud region, not both")
        region_first = levels["region"] == ParameterSource.COMMANDLINE
        country, region = (None, region) if region_first else (country, None)
    return intensity_for(region or country)
