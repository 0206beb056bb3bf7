"""The `energy-lint` command: parse, call, render, exit. Each command lives in commands/."""

from __future__ import annotations

import gc

import click

from .. import __version__
from .calibrate import calibrate
from .check import check
from .inspect import inspect
from .measure import measure
from .profiles import profiles
from .rules import rule, rules


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="energy-lint")
def cli() -> None:
    """Predict the energy of a neural network from its definition, before it runs."""


cli.add_command(calibrate)
cli.add_command(check)
cli.add_command(inspect)
cli.add_command(measure)
cli.add_command(profiles)
cli.add_command(rule)
cli.add_command(rules)


def main() -> None:
    # A run reads many small, acyclic objects and exits: collecting them as they pile up only
    # costs time (about 40% of reading 100 models), so collect rarely.
    gc.set_threshold(100_000, 50, 100)
    cli(prog_name="energy-lint")
