import pytest

from energy_lint.units import (
    format_count,
    format_energy,
    format_mass,
    parse_energy_j,
    parse_mass_g,
    parse_percent,
)


def test_format_count_uses_si_prefixes_with_three_digits() -> None:
    assert format_count(3_857_973_248) == "3.86 G"
    assert format_count(512_000) == "512 k"
    assert format_count(12) == "12"
    assert format_count(0) == "0"
    assert format_count(1.5e12) == "1.5 T"


@pytest.mark.parametrize(
    ("text", "joules"),
    [("50 mJ", 0.05), ("3 J", 3.0), ("1.2 kWh", 4.32e6), ("2Wh", 7200.0), ("10 µJ", 1e-5), ("5 MJ", 5e6)],
)
def test_energies_are_read_in_their_units(text: str, joules: float) -> None:
    assert parse_energy_j(text) == pytest.approx(joules)


@pytest.mark.parametrize("bad", ["50", 50, "5 parsecs", "-3 J", "mJ", ""])
def test_an_energy_without_a_known_unit_is_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_energy_j(bad)


def test_masses_and_percentages() -> None:
    assert parse_mass_g("300 g") == 300 and parse_mass_g("5 kg") == 5000 and parse_mass_g("1 t") == 1e6
    assert parse_percent("+5%") == pytest.approx(0.05) and parse_percent("40%") == pytest.approx(0.4)
    with pytest.raises(ValueError):
        parse_percent("40")
    with pytest.raises(ValueError):
        parse_mass_g("5 J")


def test_formats_pick_the_unit_that_reads_best() -> None:
    assert format_energy(0.0412) == "41.2 mJ"
    assert format_energy(3.05) == "3.05 J"
    assert format_energy(4.32e6) == "1.2 kWh"
    assert format_mass(0.412) == "412 mg" and format_mass(1200) == "1.2 kg"
    assert parse_energy_j(format_energy(0.0412)) == pytest.approx(0.0412)
