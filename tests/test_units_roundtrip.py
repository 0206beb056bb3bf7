"""Every unit the reports print is read back: a figure copied from a report into a budget must
be accepted and mean what the report meant ("1 nJ" and "3 µg" were refused)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from energy_lint.units import format_energy, format_mass, parse_energy_j, parse_mass_g


def test_nanojoules_and_micrograms_are_read() -> None:
    assert math.isclose(parse_energy_j("1 nJ"), 1e-9)
    assert math.isclose(parse_mass_g("3 µg"), 3e-6)
    assert math.isclose(parse_mass_g("3 ug"), 3e-6)


@given(st.floats(min_value=1e-12, max_value=1e12))
def test_every_printed_energy_reads_back(joules: float) -> None:
    printed = format_energy(joules)
    assert math.isclose(parse_energy_j(printed), joules, rel_tol=5e-3), printed


@given(st.floats(min_value=1e-9, max_value=1e12))
def test_every_printed_mass_reads_back(grams: float) -> None:
    printed = format_mass(grams)
    assert math.isclose(parse_mass_g(printed), grams, rel_tol=5e-3), printed
