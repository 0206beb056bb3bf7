"""The `energy-lint` command: parse, call, render, exit. Each command lives in its own module,
imported only when it runs (or when --help lists them): a cold `check` does not pay for
`calibrate`'s imports."""

from __future__ import annotations

import gc
import importlib
from typing import Any

import click

from .. import __version__

COMMANDS = {
    "calibrate": "calibrate:calibrate",
    "check": "check:check",
    "inspect": "inspect:inspect",
    "measure": "measure:measure",
    "profiles": "profiles:profiles",
    "rule": "rules:rule",
    "rules": "rules:rules",
}
"""Command name -> "module:attribute" in this package: the explicit registry."""


class LazyGroup(click.Group):
    """A click group whose commands are imported from COMMANDS on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name].split(":")
        command: Any = getattr(importlib.import_module(f"{__package__}.{module}"), attribute)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="energy-lint")
def cli() -> None:
    """Predict the energy of a neural network from its definition, before it runs."""


def main() -> None:
    # A run reads many small, acyclic objects and exits: collecting them as they pile up only
    # costs time (about 40% of reading 100 models), so collect rarely.
    gc.set_threshold(100_000, 50, 100)
    cli(prog_name="energy-lint")
