"""How every command speaks of a bad input: one line `error: ...` on stderr, and exit 2 where the
run cannot go on."""

from __future__ import annotations

import sys

import click

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2


def print_error(error: Exception) -> None:
    """One line on stderr for an input that could not be used; the run goes on."""
    click.echo(f"error: {error}", err=True)


def fail(error: Exception) -> None:
    """One line on stderr, then exit 2: the run cannot go on (a bad configuration or option)."""
    print_error(error)
    sys.exit(EXIT_ERROR)
