"""Typed reads of a configuration's fields: a missing or wrong value is one line naming it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..layers.base import MAX_DIM
from .base import ArchitectureError

_MISSING: Any = object()
MAX_LAYERS = 10_000
"""The deepest published transformers have a few hundred blocks."""


class Fields:
    """A backbone's constructor arguments or a config.json, read key by key."""

    def __init__(self, raw: Mapping[str, Any], what: str) -> None:
        self.raw = raw
        self.what = what

    def has(self, key: str) -> bool:
        return self.raw.get(key) is not None

    def int(self, key: str, default: Any = _MISSING) -> int:
        value = self.raw.get(key)
        if value is None:
            if default is _MISSING:
                raise ArchitectureError(f"{self.what} config has no {key!r}")
            return default
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DIM:
            raise ArchitectureError(f"{self.what} config {key!r} must be a positive integer, got {value!r}")
        return value

    def layers(self, key: str) -> int:
        """A layer count: a corrupt or hostile config must not make the reader lay out
        billions of blocks."""
        value = self.int(key)
        if value > MAX_LAYERS:
            raise ArchitectureError(f"{self.what} config {key!r} is {value}, more than {MAX_LAYERS} layers")
        return value

    def optional_int(self, key: str) -> int | None:
        return self.int(key, None)

    def bool(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ArchitectureError(f"{self.what} config {key!r} must be true or false, got {value!r}")
        return value

    def number(self, key: str, default: float) -> float:
        value = self.raw.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ArchitectureError(f"{self.what} config {key!r} must be a number, got {value!r}")
        return float(value)

    def text(self, key: str, default: str) -> str:
        value = self.raw.get(key, default)
        if value is None:
            return default
        if not isinstance(value, str):
            raise ArchitectureError(f"{self.what} config {key!r} must be a string, got {value!r}")
        return value

    def divided(self, numerator: int, key: str) -> int:
        """numerator / config[key], refusing a remainder (a head size must be whole)."""
        divisor = self.int(key)
        if numerator % divisor:
            raise ArchitectureError(f"{self.what} config: {numerator} is not divisible by {key} {divisor}")
        return numerator // divisor
