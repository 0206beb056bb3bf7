"""`energy-lint check`: estimate the energy and CO2e of model files, apply the budget and trust
rules, report, and exit 0 (clean), 1 (a violation of error severity) or 2 (an input or the
configuration could not be used). Configuration sits under the flags via click's default_map."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from ..cli_options import model_shape_options
from ..config import ConfigError, find_config, load_config
from ..discovery import discover
from ..errors import EnergyLintError
from .inspect import read_each

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2


def _load_config(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    """Eager: read the configuration before the other options, so that its values become their
    defaults (flags still win)."""
    try:
        path = value or find_config(Path.cwd())
        config = load_config(path)
    except ConfigError as error:
        _fail(error)
    ctx.ensure_object(dict)["config"] = config
    ctx.default_map = {**(ctx.default_map or {}), **_as_defaults(config.options)}


def _as_defaults(options: dict[str, Any]) -> dict[str, Any]:
    defaults = dict(options)
    for key in ("select", "ignore", "extend_select"):
        if key in defaults:
            defaults[key] = ",".join(defaults[key])
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


def _fail(error: Exception) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(EXIT_ERROR)


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
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a table per model; json: one document on stdout (contract 2).",
)
@click.option("--profile", help="Hardware profile: a name (see energy-lint profiles) or a directory.")
@model_shape_options
@click.option("--country", help="ISO 3166 alpha-3 country code of the grid (DEU, FRA, USA...).")
@click.option("--region", help="Cloud region as provider:region (aws:eu-west-1, gcp:europe-west1).")
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
@click.option("-v", "--verbose", is_flag=True, help="Show every layer, not only the top ones.")
@click.option("--statistics", is_flag=True, help="Count the violations per rule code.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are violations.")
@click.pass_context
def check(
    ctx: click.Context,
    paths: tuple[Path, ...],
    output_format: str,
    profile: str | None,
    batch_size: int,
    input_shapes: tuple[tuple[int, ...], ...],
    country: str | None,
    region: str | None,
    pue: float,
    inferences: int,
    select: tuple[str, ...] | None,
    ignore: tuple[str, ...] | None,
    extend_select: tuple[str, ...] | None,
    verbose: bool,
    statistics: bool,
    exit_zero: bool,
) -> None:
    """Predict the energy of one forward pass and its CO2e for model files (.keras, .h5, .json)
    or directories of them, without running them, and check them against budgets."""
    from ..check import CheckSettings, check_model
    from ..profile import default_profile, find_profile, load_profile
    from ..rules import selected_codes

    config = ctx.obj["config"]
    try:
        settings = CheckSettings(
            profile=load_profile(find_profile(profile) if profile else default_profile()),
            intensity=_intensity(ctx, country, region),
            pue=pue,
            inferences=inferences,
            enabled=selected_codes(select or ("EL",), ignore or (), extend_select or ()),
            config=config,
        )
    except EnergyLintError as error:
        _fail(error)
    files, errors = discover(paths)
    for error in errors:
        click.echo(f"error: {error}", err=True)
    graphs = read_each(files, errors, batch_size, input_shapes)
    results = ((graph, *check_model(graph, settings)) for graph in graphs)
    counts = _Counter(results)
    if output_format == "json":
        from ..report import check_json

        check_json.write(counts, settings, errors, sys.stdout)
    else:
        from rich.console import Console

        from ..report import check_text

        console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
        check_text.render(counts, settings, console, verbose=verbose)
        check_text.summary(counts.by_code, counts.errors, len(errors), console, statistics=statistics)
    if errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_VIOLATIONS if counts.errors and not exit_zero else EXIT_OK)


class _Counter:
    """Passes the results through while counting violations, so that reports can stream."""

    def __init__(self, results: Iterator) -> None:
        self._results = results
        self.by_code: dict[str, int] = {}
        self.errors = 0

    def __iter__(self) -> Iterator:
        for graph, result, violations in self._results:
            for violation in violations:
                self.by_code[violation.code] = self.by_code.get(violation.code, 0) + 1
                self.errors += violation.severity == "error"
            yield graph, result, violations


def _intensity(ctx: click.Context, country: str | None, region: str | None):
    """The grid: the one location given at the highest level (flag over configuration)."""
    from ..carbon import intensity_for

    if country and region:
        levels = {name: ctx.get_parameter_source(name) for name in ("country", "region")}
        if levels["country"] == levels["region"]:
            raise EnergyLintError("give a country or a cloud region, not both")
        region_first = levels["region"] == ParameterSource.COMMANDLINE
        country, region = (None, region) if region_first else (country, None)
    return intensity_for(region or country)
