"""The contract every layer family implements: a config and input shapes in; output shapes,
params and MACs out. Specs are pure functions of the config, so no model code ever runs."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Shape = tuple[int, ...]
"""A tensor shape with its batch dimension first; every dimension is known."""

MAX_DIM = 2**31 - 1
"""Larger dimensions are certainly a corrupt or hostile config, not a model."""

_MISSING: Any = object()


class LayerConfigError(ValueError):
    """A config value or input shape the layer cannot accept; the builder adds the layer name."""


class Config:
    """Typed, validated access to a layer's config dict: a wrong type is an error, not a crash."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        if not isinstance(raw, Mapping):
            raise LayerConfigError(f"config must be an object, got {type(raw).__name__}")
        self.raw = raw

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    def _value(self, key: str, default: Any) -> Any:
        value = self.raw.get(key, default)
        if value is _MISSING:
            raise LayerConfigError(f"config has no '{key}'")
        return value

    def int(self, key: str, default: Any = _MISSING, minimum: int = 1) -> int:
        return checked_int(self._value(key, default), f"config '{key}'", minimum)

    def optional_int(self, key: str, minimum: int = 1) -> int | None:
        value = self.raw.get(key)
        return None if value is None else checked_int(value, f"config '{key}'", minimum)

    def ints(self, key: str, rank: int, default: Any = _MISSING, minimum: int = 1) -> Shape:
        """An int or a list of `rank` ints, as Keras accepts for kernel sizes and strides."""
        value = self._value(key, default)
        if isinstance(value, (list, tuple)):
            if len(value) != rank:
                raise LayerConfigError(f"config '{key}' must have {rank} values, got {value!r}")
            return tuple(checked_int(v, f"config '{key}'", minimum) for v in value)
        return (checked_int(value, f"config '{key}'", minimum),) * rank

    def number(self, key: str, default: Any = _MISSING) -> float:
        value = self._value(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise LayerConfigError(f"config '{key}' must be a number, got {shown(value)}")
        try:
            number = float(value)
        except OverflowError:  # an integer of hundreds of digits
            number = math.inf
        if not math.isfinite(number):
            raise LayerConfigError(f"config '{key}' must be a finite number, got {shown(value)}")
        return number

    def bool(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise LayerConfigError(f"config '{key}' must be true or false, got {value!r}")
        return value

    def choice(self, key: str, choices: Sequence[str], default: Any = _MISSING) -> str:
        value = self._value(key, default)
        if isinstance(value, str) and value.lower() in choices:
            return value.lower()
        raise LayerConfigError(f"config '{key}' must be one of {', '.join(choices)}, got {value!r}")

    def channels_first(self) -> bool:
        fmt = self.raw.get("data_format") or "channels_last"
        if fmt not in ("channels_last", "channels_first"):
            raise LayerConfigError(
                f"config 'data_format' must be channels_last or channels_first, got {fmt!r}"
            )
        return fmt == "channels_first"

    def axes(self, key: str, default: Any = _MISSING) -> tuple[int, ...]:
        """An axis or a list of axes; null means the default."""
        value = self.raw.get(key)
        if value is None:
            if default is _MISSING:
                raise LayerConfigError(f"config has no '{key}'")
            value = default
        values = value if isinstance(value, (list, tuple)) else [value]
        if not values:
            raise LayerConfigError(f"config '{key}' must name at least one axis, got []")
        return tuple(checked_int(v, f"config '{key}'", minimum=-MAX_DIM) for v in values)


def checked_int(value: Any, what: str, minimum: int = 1) -> int:
    """An integer within [minimum, MAX_DIM]: JSON floats like 3.0 pass, 3.5 and "3" do not."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise LayerConfigError(f"{what} must be an integer, got {shown(value)}")
    if value < minimum or value > MAX_DIM:
        raise LayerConfigError(f"{what} must be between {minimum} and {MAX_DIM}, got {shown(value)}")
    return value


def shown(value: Any, limit: int = 80) -> str:
    """`value` for a message, cut to `limit` characters: an integer of thousands of digits is
    named by its size (str() refuses past 4,300 digits), a long list is cut."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    try:
        text = repr(value)
    except ValueError:  # a huge integer inside a list
        text = f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def normalize_axis(axis: int, rank: int) -> int:
    """A Keras axis (negative counts from the end) as an index into a shape of `rank` dims."""
    index = axis + rank if axis < 0 else axis
    if not 0 <= index < rank:
        raise LayerConfigError(f"axis {axis} is out of range for an input of rank {rank}")
    return index


def numel(shape: Sequence[int]) -> int:
    """Elements of one sample: the product of every dimension but the batch."""
    return math.prod(shape[1:])


@dataclass(frozen=True)
class LayerCall:
    """What a spec sees of one call of a layer: its config and its input shapes."""

    class_name: str
    config: Config
    inputs: tuple[Shape, ...]
    keyword_inputs: Mapping[str, Shape] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    constants: tuple[Any, ...] = ()

    @property
    def input(self) -> Shape:
        """The single input of a one-input layer."""
        if len(self.inputs) != 1:
            raise LayerConfigError(f"expects one input, got {len(self.inputs)}")
        return self.inputs[0]

    def input_of_rank(self, *ranks: int) -> Shape:
        shape = self.input
        if len(shape) not in ranks:
            wanted = " or ".join(str(r) for r in ranks)
            raise LayerConfigError(f"expects an input of rank {wanted}, got shape {shape_text(shape)}")
        return shape


@dataclass(frozen=True)
class LayerResult:
    """Output shapes of one call, the layer's parameter count, and MACs per sample."""

    outputs: tuple[Shape, ...]
    params: int = 0
    macs: int = 0


Spec = Callable[[LayerCall], LayerResult]


def same_shape(call: LayerCall) -> LayerResult:
    """Element-wise layers with no weights: output shape is the input shape, 0 MACs."""
    return LayerResult((call.inputs[0],)) if call.inputs else LayerResult((call.input,))


def shape_text(shape: Sequence[int | None] | None) -> str:
    if shape is None:
        return "?"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"
