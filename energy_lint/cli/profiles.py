"""`energy-lint profiles`: the bundled and user hardware profiles, and how far to trust each:
where and how power was measured, how much data, and each family's cross-validated error."""

from __future__ import annotations

import json
import sys

import click

from ..estimation.profile import (
    ProfileError,
    available_profiles,
    load_profile,
    training_summary,
    user_profiles_dir,
)


@click.command("profiles")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def profiles(output_format: str) -> None:
    """List the hardware profiles `check --profile` can use."""
    listed, broken = [], []
    for where, directory in available_profiles():
        try:
            profile = load_profile(directory)
        except ProfileError as error:
            broken.append(str(error))
            continue
        meta = profile.meta
        families = {**meta.get("families", {}), "generic": meta.get("generic") or {}}
        listed.append({
            "name": profile.name,
            "where": where,
            "path": str(directory),
            "device": meta.get("device"),
            "backend": meta.get("backend"),
            "power": meta.get("power"),
            "power_source": meta.get("power_source"),
            "measured": meta.get("measured"),
            "rows": meta.get("dataset", {}).get("rows"),
            "model_rows": meta.get("dataset", {}).get("model_rows"),
            "cv_rmspe": {f: min(e.get("cv_rmspe", {}).values(), default=None) for f, e in families.items()},
            "correction": meta.get("correction", {}).get("kind"),
            "interval_coverage": meta.get("correction", {}).get("interval_coverage"),
            "interval_high_over_low": meta.get("correction", {}).get("interval_high_over_low"),
            "priors": sorted(f for f, e in families.items() if e.get("prior")),
            "training": training_summary(meta),
        })  # fmt: skip
    for problem in broken:
        click.echo(f"error: {problem}", err=True)
    if output_format == "json":
        click.echo(json.dumps({"version": 1, "profiles": listed}, indent=2))
    else:
        _text(listed)
    sys.exit(2 if broken else 0)


def _text(listed: list[dict]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    if not listed:
        console.print(f"no profiles (bundled, or under {escape(str(user_profiles_dir()))})")
        return
    for item in listed:
        console.print(f"[bold]{escape(item['name'])}[/]  {item['where']}: {escape(item['path'])}")
        table = Table()
        table.add_column("family")
        table.add_column("CV RMSPE", justify="right")
        for family, error in item["cv_rmspe"].items():
            table.add_row(escape(family), "-" if error is None else f"{error:.1%}")
        console.print(table)
        sources = "; ".join(f"{k}: {v}" for k, v in (item["power_source"] or {}).items())
        measured = " to ".join(item["measured"] or []) or "?"
        console.print(
            f"  {escape(str(item['device']))} · {escape(str(item['backend']))} · power {item['power']} "
            f"({escape(sources)}) · {item['rows']} rows ({item['model_rows']} whole models) · "
            f"measured {escape(measured)} · correction {item['correction']}"
        )
        coverage, width = item["interval_coverage"], item["interval_high_over_low"]
        console.print(
            "  90% interval: "
            + (
                f"covers {coverage:.0%} of held-out whole models, median high/low {width:.2f} (out of sample)"
                if coverage is not None
                else "coverage not checked (profile calibrated before out-of-sample checks)"
            )
            + f" · physical priors: {', '.join(item['priors']) or 'none'}"
        )
        training = item["training"]
        if training is None:
            console.print("  training: not calibrated (calibrate --train): no training estimates")
        else:
            error = training["cv_rmspe_generic"]
            console.print(
                f"  training: {training['layer_pairs']} layer pairs, {training['model_rows']} whole models, "
                f"step/forward ratio CV RMSPE {'-' if error is None else f'{error:.1%}'} (all families), "
                f"per-family predictors for {', '.join(training['families']) or 'none'}, "
                f"correction {training['correction']}"
                + (
                    f", optimizer update {training['update_j_per_param'] * 1e6:.3g} J per million parameters"
                    if training["update_j_per_param"]
                    else ""
                )
            )
        console.print()
