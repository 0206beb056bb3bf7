"""Format counts and quantities for people: 25,636,712 params, 3.86 G MACs."""

from __future__ import annotations

_PREFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def format_count(value: float) -> str:
    """An SI-prefixed count with three significant digits: 3.86 G, 512 k, 12."""
    for scale, prefix in _PREFIXES:
        if abs(value) >= scale:
            return f"{value / scale:.3g} {prefix}"
    return f"{value:.3g}" if isinstance(value, float) and not value.is_integer() else f"{int(value)}"


_DURATION_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600}


def parse_duration(text: str) -> float:
    """Seconds from "90s", "20m", "1.5h" or a bare number of seconds."""
    value = text.strip().lower().replace(" ", "")
    number = value.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = value[len(number) :] or "s"
    try:
        seconds = float(number) * _DURATION_UNITS[unit]
    except (KeyError, ValueError):
        raise ValueError(f"{text!r} is not a duration like 90s, 20m or 1.5h") from None
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a positive duration")
    return seconds


_ENERGY_UNITS = {
    "nj": 1e-9,
    "uj": 1e-6,
    "mj": 1e-3,
    "j": 1.0,
    "kj": 1e3,
    "wh": 3600.0,
    "kwh": 3.6e6,
    "mwh": 3.6e9,
}
_MASS_UNITS = {"ug": 1e-6, "mg": 1e-3, "g": 1.0, "kg": 1e3, "t": 1e6}
"""Every unit format_energy and format_mass print is read back (nJ and µg included), so that a
figure copied from a report into a budget is accepted."""


def _quantity(text: object, units: dict[str, float], example: str, what: str) -> float:
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        raise ValueError(f"{text!r} has no unit: write it like {example!r}")
    value = str(text).strip().replace(" ", "").replace("_", "")
    number = value.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZµ")
    unit = value[len(number) :].lower().replace("µ", "u")
    if unit == "mj" and value[len(number) :] == "MJ":
        unit = "megajoule"  # "MJ" is a megajoule: say so rather than read it as mJ
        units = {**units, unit: 1e6}
    try:
        amount = float(number) * units[unit]
    except (KeyError, ValueError):
        raise ValueError(f"{text!r} is not {what} like {example!r}") from None
    if amount < 0:
        raise ValueError(f"{text!r} is negative")
    return amount


def parse_energy_j(text: object) -> float:
    """Joules from "50 mJ", "3 J", "1.2 kWh", "2 Wh" (MJ is megajoules; mJ millijoules)."""
    return _quantity(text, _ENERGY_UNITS, "50 mJ", "an energy")


def parse_mass_g(text: object) -> float:
    """Grams from "300 g", "5 kg", "20 mg", "1 t"."""
    return _quantity(text, _MASS_UNITS, "5 kg", "a mass")


def parse_percent(text: object) -> float:
    """A fraction from "30%" or "+5%" (0.30, 0.05)."""
    value = str(text).strip().replace(" ", "")
    if not value.endswith("%"):
        raise ValueError(f"{text!r} is not a percentage like '30%'")
    try:
        return float(value[:-1]) / 100
    except ValueError:
        raise ValueError(f"{text!r} is not a percentage like '30%'") from None


def format_energy(joules: float) -> str:
    """3 significant digits in the unit that reads best: 41.2 mJ, 3.05 J, 1.20 kWh."""
    if joules >= 3.6e6:
        return f"{joules / 3.6e6:.3g} kWh"
    if joules >= 3.6e3:
        return f"{joules / 3.6e3:.3g} Wh"
    for scale, unit in ((1.0, "J"), (1e-3, "mJ"), (1e-6, "µJ")):
        if joules >= scale:
            return f"{joules / scale:.3g} {unit}"
    return f"{joules / 1e-9:.3g} nJ" if joules else "0 J"


def format_mass(grams: float) -> str:
    """3 significant digits: 412 mg, 3.05 g, 1.20 kg, 2.5 t."""
    for scale, unit in ((1e6, "t"), (1e3, "kg"), (1.0, "g"), (1e-3, "mg")):
        if grams >= scale:
            return f"{grams / scale:.3g} {unit}"
    return f"{grams / 1e-6:.3g} µg" if grams else "0 g"
