"""Format counts and quantities for people: 25,636,712 params, 3.86 G MACs."""

from __future__ import annotations

_PREFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def format_count(value: float) -> str:
    """An SI-prefixed count with three significant digits: 3.86 G, 512 k, 12."""
    for scale, prefix in _PREFIXES:
        if abs(value) >= scale:
            return f"{value / scale:.3g} {prefix}"
    return f"{value:.3g}" if isinstance(value, float) and not value.is_integer() else f"{int(value)}"
