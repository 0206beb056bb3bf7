from energy_lint.units import format_count


def test_format_count_uses_si_prefixes_with_three_digits() -> None:
    assert format_count(3_857_973_248) == "3.86 G"
    assert format_count(512_000) == "512 k"
    assert format_count(12) == "12"
    assert format_count(0) == "0"
    assert format_count(1.5e12) == "1.5 T"
