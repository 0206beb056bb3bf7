"""Convolutions: plain, grouped, transposed, depthwise and separable, in 1, 2 and 3 dimensions.

MACs per sample (fvcore's and ptflops' convention, bias not counted):
- ConvND: output positions x filters x kernel volume x input channels / groups.
- ConvNDTranspose: input positions x kernel volume x input channels x filters
  (every input element is scattered through the whole kernel).
- DepthwiseConvND: output positions x channels x depth_multiplier x kernel volume.
- SeparableConvND: the depthwise part plus output positions x channels x depth_multiplier x filters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .base import LayerCall, LayerConfigError, LayerResult, Shape


def conv_output_length(length: int, kernel: int, padding: str, stride: int, dilation: int) -> int:
    """Keras' conv_output_length; 'causal' pads on the left only, so it keeps the length."""
    span = kernel + (kernel - 1) * (dilation - 1)
    if padding in ("same", "causal"):
        return (length + stride - 1) // stride
    return (length - span) // stride + 1


def deconv_output_length(
    length: int, kernel: int, padding: str, stride: int, dilation: int, output_padding: int | None
) -> int:
    """Keras' deconv_output_length."""
    span = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(span - stride, 0)
        return length * stride
    pad = span // 2 if padding == "same" else 0
    return (length - 1) * stride + span - 2 * pad + output_padding


class Geometry:
    """The spatial part of a convolution call: rank, channel axis and the config's tuples."""

    def __init__(self, call: LayerCall, rank: int, pool: bool = False) -> None:
        self.rank = rank
        self.shape: Shape = call.input_of_rank(rank + 2)
        self.channels_first = call.config.channels_first()
        config = call.config
        if pool:
            self.kernel = config.ints("pool_size", rank)
            strides = config.get("strides")
            self.strides = self.kernel if strides is None else config.ints("strides", rank)
            self.dilation = (1,) * rank
        else:
            self.kernel = config.ints("kernel_size", rank)
            self.strides = config.ints("strides", rank, 1)
            self.dilation = config.ints("dilation_rate", rank, 1)
        allowed = ("valid", "same", "causal") if rank == 1 and not pool else ("valid", "same")
        self.padding = config.choice("padding", allowed, "valid")

    @property
    def channels(self) -> int:
        return self.shape[1] if self.channels_first else self.shape[-1]

    @property
    def spatial(self) -> Shape:
        return self.shape[2:] if self.channels_first else self.shape[1:-1]

    def output_spatial(self) -> Shape:
        dims = tuple(
            conv_output_length(n, k, self.padding, s, d)
            for n, k, s, d in zip(self.spatial, self.kernel, self.strides, self.dilation)
        )
        if min(dims) < 1:
            raise LayerConfigError(
                f"input {self.spatial} is too small for kernel {self.kernel} with '{self.padding}' padding"
            )
        return dims

    def assemble(self, spatial: Sequence[int], channels: int) -> Shape:
        batch = self.shape[0]
        if self.channels_first:
            return (batch, channels, *spatial)
        return (batch, *spatial, channels)


def _conv(rank: int):
    def spec(call: LayerCall) -> LayerResult:
        geo = Geometry(call, rank)
        filters = call.config.int("filters")
        groups = call.config.int("groups", 1)
        if geo.channels % groups or filters % groups:
            raise LayerConfigError(
                f"groups={groups} must divide input channels {geo.channels} and filters {filters}"
            )
        spatial = geo.output_spatial()
        per_output = math.prod(geo.kernel) * geo.channels // groups
        bias = filters if call.config.bool("use_bias", True) else 0
        return LayerResult(
            (geo.assemble(spatial, filters),),
            per_output * filters + bias,
            math.prod(spatial) * filters * per_output,
        )

    return spec


def _conv_transpose(rank: int):
    def spec(call: LayerCall) -> LayerResult:
        geo = Geometry(call, rank)
        filters = call.config.int("filters")
        padding = call.config.get("output_padding")
        output_padding = (
            (None,) * rank if padding is None else call.config.ints("output_padding", rank, minimum=0)
        )
        spatial = tuple(
            deconv_output_length(n, k, geo.padding, s, d, p)
            for n, k, s, d, p in zip(geo.spatial, geo.kernel, geo.strides, geo.dilation, output_padding)
        )
        if min(spatial) < 1:
            raise LayerConfigError(f"output spatial shape {spatial} is empty")
        kernel = math.prod(geo.kernel) * geo.channels * filters
        bias = filters if call.config.bool("use_bias", True) else 0
        return LayerResult(
            (geo.assemble(spatial, filters),),
            kernel + bias,
            math.prod(geo.spatial) * kernel,
        )

    return spec


def _depthwise(rank: int):
    def spec(call: LayerCall) -> LayerResult:
        geo = Geometry(call, rank)
        multiplier = call.config.int("depth_multiplier", 1)
        spatial = geo.output_spatial()
        out_channels = geo.channels * multiplier
        kernel = math.prod(geo.kernel) * out_channels
        bias = out_channels if call.config.bool("use_bias", True) else 0
        return LayerResult(
            (geo.assemble(spatial, out_channels),),
            kernel + bias,
            math.prod(spatial) * kernel,
        )

    return spec


def _separable(rank: int):
    def spec(call: LayerCall) -> LayerResult:
        geo = Geometry(call, rank)
        multiplier = call.config.int("depth_multiplier", 1)
        filters = call.config.int("filters")
        spatial = geo.output_spatial()
        middle = geo.channels * multiplier
        depthwise = math.prod(geo.kernel) * middle
        pointwise = middle * filters
        bias = filters if call.config.bool("use_bias", True) else 0
        return LayerResult(
            (geo.assemble(spatial, filters),),
            depthwise + pointwise + bias,
            math.prod(spatial) * (depthwise + pointwise),
        )

    return spec


SPECS = {}
for _rank in (1, 2, 3):
    SPECS[f"Conv{_rank}D"] = SPECS[f"Convolution{_rank}D"] = _conv(_rank)
    SPECS[f"Conv{_rank}DTranspose"] = SPECS[f"Convolution{_rank}DTranspose"] = _conv_transpose(_rank)
for _rank in (1, 2):
    SPECS[f"DepthwiseConv{_rank}D"] = _depthwise(_rank)
    SPECS[f"SeparableConv{_rank}D"] = SPECS[f"SeparableConvolution{_rank}D"] = _separable(_rank)
