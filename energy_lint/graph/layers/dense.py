"""Dense and EinsumDense: matrix products over the last axis.

MACs per sample: one multiply-accumulate per weight use, i.e. (elements of the input without its
last axis) x units x input features for Dense; the product of every distinct non-batch einsum
index for EinsumDense. Bias additions are not counted (fvcore's convention)."""

from __future__ import annotations

import math
import re

from .base import LayerCall, LayerConfigError, LayerResult, checked_int


def dense(call: LayerCall) -> LayerResult:
    shape = call.input
    if len(shape) < 2:
        raise LayerConfigError(f"expects an input of rank 2 or more, got rank {len(shape)}")
    units = call.config.int("units")
    features = shape[-1]
    bias = units if call.config.bool("use_bias", True) else 0
    macs = math.prod(shape[1:-1]) * features * units
    return LayerResult(((*shape[:-1], units),), features * units + bias, macs)


_EQUATION = re.compile(r"^\s*(\.\.\.)?([a-z]*)\s*,\s*([a-z]+)\s*->\s*(\.\.\.)?([a-z]*)\s*$")


def einsum_dense(call: LayerCall) -> LayerResult:
    """Keras' EinsumDense: `equation` like "abc,cd->abd", `output_shape` without the batch."""
    shape = call.input
    equation = call.config.get("equation")
    match = _EQUATION.match(equation) if isinstance(equation, str) else None
    if not match:
        raise LayerConfigError(f"config 'equation' is not a supported einsum equation: {equation!r}")
    in_ellipsis, in_letters, kernel_letters, out_ellipsis, out_letters = match.groups()
    if bool(in_ellipsis) != bool(out_ellipsis):
        raise LayerConfigError(f"unsupported ellipsis in equation {equation!r}")
    sizes: dict[str, int] = {}
    leading = shape[: len(shape) - len(in_letters)] if in_ellipsis else ()
    if len(in_letters) + len(leading) != len(shape):
        raise LayerConfigError(f"equation {equation!r} does not match input rank {len(shape)}")
    for letter, dim in zip(in_letters, shape[len(leading) :]):
        sizes[letter] = dim
    declared = call.config.get("output_shape")
    declared = list(declared) if isinstance(declared, (list, tuple)) else [declared]
    free = [c for c in out_letters if c not in sizes]
    # output_shape lists the output's non-batch dims (trailing, when an ellipsis is used).
    tail = declared[-len(out_letters) + (0 if in_ellipsis else 1) :] if out_letters else []
    named = out_letters if in_ellipsis else out_letters[1:]
    for letter, dim in zip(named, tail):
        if letter in free and dim is not None:
            sizes[letter] = checked_int(dim, "config 'output_shape'")
    missing = [c for c in kernel_letters + out_letters if c not in sizes]
    if missing:
        raise LayerConfigError(f"cannot size einsum index {missing[0]!r} of {equation!r}")
    out = leading + tuple(sizes[c] for c in out_letters)
    kernel = math.prod(sizes[c] for c in kernel_letters)
    bias_axes = call.config.get("bias_axes") or ""
    if not isinstance(bias_axes, str):
        raise LayerConfigError(f"config 'bias_axes' must be a string of einsum letters, got {bias_axes!r}")
    bias = math.prod(sizes[c] for c in bias_axes if c in sizes) if bias_axes else 0
    batch_letter = in_letters[:1] if not in_ellipsis else ""
    letters = set(in_letters + kernel_letters + out_letters) - set(batch_letter)
    macs = math.prod(leading[1:]) * math.prod(sizes[c] for c in letters)
    return LayerResult((out,), kernel + bias, macs)


SPECS = {"Dense": dense, "EinsumDense": einsum_dense}
