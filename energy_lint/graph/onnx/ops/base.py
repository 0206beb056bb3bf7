"""What an ONNX op spec sees and returns: shapes after shape inference in, the Keras class whose
predictor prices the op and its MACs out. MACs follow the Keras layers' conventions (fvcore's):
products accumulated by convolutions, matrix products and recurrent kernels; element-wise,
pooling, normalization and data movement count 0."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Dims = tuple[int, ...]


@dataclass(frozen=True)
class OpCall:
    op_type: str
    attributes: Mapping[str, Any]
    inputs: tuple[Dims | None, ...]
    """Every input's shape, in the op's own order ("" inputs as None)."""
    outputs: tuple[Dims | None, ...]
    constant: tuple[bool, ...]
    """Whether each input is a constant (an initializer or computed from constants only)."""
    dtypes: tuple[str | None, ...] = ()
    values: Mapping[int, tuple[float, ...]] = field(default_factory=dict)
    """The values of small constant inputs, by input index."""

    def attr(self, name: str, default: Any = None) -> Any:
        return self.attributes.get(name, default)

    def shape(self, index: int) -> Dims:
        if index >= len(self.inputs) or self.inputs[index] is None:
            raise MissingShape(f"input {index} of {self.op_type} has no inferred shape")
        return self.inputs[index]  # type: ignore[return-value]

    def out(self, index: int = 0) -> Dims:
        if index >= len(self.outputs) or self.outputs[index] is None:
            raise MissingShape(f"output {index} of {self.op_type} has no inferred shape")
        return self.outputs[index]  # type: ignore[return-value]


@dataclass(frozen=True)
class OpResult:
    keras_class: str
    """The Keras class whose family and features price the op (energy_lint.estimation)."""
    macs: int = 0
    """MACs of the whole call, every sample of the batch together."""
    config: Mapping[str, Any] = field(default_factory=dict)
    """Keras-vocabulary keys the features read (kernel_size, strides, units, ...)."""


class MissingShape(ValueError):
    """Shape inference left a shape the op's MACs need unknown: the op is not priced."""


OpSpec = Callable[[OpCall], OpResult]


def fixed(keras_class: str, **config: Any) -> OpSpec:
    """An op with no MACs priced as `keras_class`."""
    return lambda call: OpResult(keras_class, 0, config)


def prod(values: Any) -> int:
    return math.prod(values)
