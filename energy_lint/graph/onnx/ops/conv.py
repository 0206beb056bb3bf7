"""Conv, ConvTranspose and their quantized forms (QLinearConv, ConvInteger).

MACs: output elements x kernel volume x input channels / group (Conv; fvcore's convention, bias
not counted), input elements x kernel volume x output channels / group (ConvTranspose: every
input element is scattered through the kernel). Shapes are NCHW: ONNX is channels first."""

from __future__ import annotations

from .base import OpCall, OpResult, prod

_WEIGHT = {"Conv": 1, "FusedConv": 1, "ConvTranspose": 1, "ConvInteger": 1, "QLinearConv": 3}


def _geometry(call: OpCall) -> dict:
    weight = call.shape(_WEIGHT[call.op_type])
    kernel = tuple(call.attr("kernel_shape") or weight[2:])
    rank = len(kernel)
    return {
        "kernel_size": list(kernel),
        "strides": list(call.attr("strides") or [1] * rank),
        "dilation_rate": list(call.attr("dilations") or [1] * rank),
        "groups": int(call.attr("group", 1)),
        "data_format": "channels_first",
    }


def conv(call: OpCall) -> OpResult:
    x, weight, out = call.shape(0), call.shape(_WEIGHT[call.op_type]), call.out()
    config = _geometry(call)
    rank = len(config["kernel_size"])
    groups = config["groups"]
    macs = prod(out) * prod(weight[2:]) * weight[1]  # weight is (M, C/group, k...)
    config["filters"] = out[1]
    depthwise = groups > 1 and groups == x[1] and rank in (1, 2)
    kind = f"DepthwiseConv{rank}D" if depthwise else f"Conv{min(rank, 3)}D"
    if call.op_type in ("QLinearConv", "ConvInteger"):
        config["dtype"] = call.dtypes[0] if call.dtypes else None
    return OpResult(kind, macs, config)


def conv_transpose(call: OpCall) -> OpResult:
    x, weight, out = call.shape(0), call.shape(1), call.out()
    config = _geometry(call)
    rank = len(config["kernel_size"])
    macs = prod(x) * prod(weight[2:]) * weight[1]  # weight is (C, M/group, k...)
    config["filters"] = out[1]
    return OpResult(f"Conv{min(rank, 3)}DTranspose", macs, config)


SPECS = {"Conv": conv, "ConvInteger": conv, "QLinearConv": conv, "ConvTranspose": conv_transpose}
