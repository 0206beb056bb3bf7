"""Layer -> feature vector for its predictor family.

One function serves a layer read from a model file (check) and a row of the measurements CSV
(calibrate): both go through the reader's own layer specs for MACs and params, so what a
predictor was fitted on and what it is asked about can never be computed two ways.

Counts enter as log1p: the predictors are fitted on log energy, and the linear baselines need
the log scale; trees do not mind it."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..graph import LayerNode
from ..graph.layers import spec_for
from ..graph.layers.base import Config, LayerCall, LayerResult, Shape
from .families import FAMILY_MEMBERS, family_of

COMMON = ("log_macs", "log_input_elements", "log_output_elements", "log_params", "log_batch")

_ACTIVATIONS = (
    "linear",
    "relu",
    "relu6",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "swish",
    "silu",
    "sigmoid",
    "hard_sigmoid",
    "hard_swish",
    "hard_silu",
    "tanh",
    "softmax",
    "softplus",
)
_KINDS = {
    "normalization": FAMILY_MEMBERS["normalization"],
    "elementwise": FAMILY_MEMBERS["elementwise"],
    # prefixes: the 1D, 2D and 3D forms of a reshaping layer share a code
    "reshaping": (
        "Reshape",
        "Flatten",
        "Permute",
        "RepeatVector",
        "ZeroPadding",
        "Cropping",
        "UpSampling",
        "Resizing",
        "CenterCrop",
    ),
}


@dataclass(frozen=True)
class LayerFeatures:
    family: str
    names: tuple[str, ...]
    values: tuple[float, ...]

    def as_dict(self) -> dict[str, float]:
        return dict(zip(self.names, self.values, strict=True))


def _log(value: float) -> float:
    return math.log1p(max(value, 0.0))


def _code(value: str, choices: Sequence[str]) -> float:
    """A category as an integer code; anything unlisted shares one code past the end."""
    for index, choice in enumerate(choices):
        if value == choice or value.startswith(choice):
            return float(index)
    return float(len(choices))


def _activation(config: Mapping[str, Any], class_name: str) -> str:
    if class_name != "Activation":
        return {
            "ReLU": "relu",
            "LeakyReLU": "leaky_relu",
            "ELU": "elu",
            "Softmax": "softmax",
            "PReLU": "leaky_relu",
            "ThresholdedReLU": "relu",
        }.get(class_name, "linear")
    activation = config.get("activation", "linear")
    return activation if isinstance(activation, str) else "other"


def _prod(values: Any) -> float:
    if isinstance(values, (list, tuple)):
        return float(math.prod(int(v) for v in values))
    return float(values or 1)


def _family_extras(
    family: str, class_name: str, config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> dict[str, float]:
    first, out = inputs[0], outputs[0]
    channels_first = config.get("data_format") == "channels_first"
    in_channels = first[1] if channels_first else first[-1]
    out_channels = out[1] if channels_first else out[-1]
    if family in ("conv", "conv_transpose", "depthwise_conv", "separable_conv"):
        return {
            "kernel_volume": _prod(config.get("kernel_size")),
            "stride_product": _prod(config.get("strides", 1)),
            "dilation_product": _prod(config.get("dilation_rate", 1)),
            "log_in_channels": _log(in_channels),
            "log_out_channels": _log(out_channels),
            "groups": float(config.get("groups", 1) or 1),
            "spatial_rank": float(len(first) - 2),
        }
    if family == "dense":
        return {
            "log_in_features": _log(first[-1]),
            "log_units": _log(out[-1]),
            "log_rows": _log(math.prod(first[:-1])),
        }
    if family == "pooling":
        return {
            "pool_volume": _prod(config.get("pool_size")),
            "stride_product": _prod(config.get("strides") or config.get("pool_size")),
            "is_max": float(class_name.startswith("Max")),
        }
    if family == "global_pooling":
        return {"log_channels": _log(in_channels), "is_max": float("Max" in class_name)}
    if family == "activation":
        return {"activation": _code(_activation(config, class_name), _ACTIVATIONS)}
    if family in ("normalization", "elementwise", "reshaping"):
        return {"kind": _code(class_name, _KINDS[family]), "inputs": float(len(inputs))}
    if family == "concatenate":
        return {"inputs": float(len(inputs))}
    if family == "attention":
        key = inputs[1] if len(inputs) > 1 else first
        return {
            "heads": float(config.get("num_heads") or config.get("num_query_heads") or 1),
            "log_query_steps": _log(math.prod(first[1:-1])),
            "log_key_steps": _log(math.prod(key[1:-1])),
            "log_width": _log(first[-1]),
        }
    if family == "recurrent":
        inner = config.get("layer") if class_name == "Bidirectional" else config
        inner_config = inner.get("config", inner) if isinstance(inner, Mapping) else {}
        return {
            "log_steps": _log(first[1] if len(first) > 2 else 1),
            "log_units": _log(inner_config.get("units") or config.get("filters") or 1),
            "directions": 2.0 if class_name == "Bidirectional" else 1.0,
        }
    if family == "embedding":
        return {
            "log_vocabulary": _log(config.get("input_dim", 1)),
            "log_output_dim": _log(config.get("output_dim", 1)),
        }
    return {}


def layer_features(
    class_name: str,
    config: Mapping[str, Any],
    input_shapes: Sequence[Shape],
    *,
    operation: bool = False,
    result: LayerResult | None = None,
) -> LayerFeatures:
    """Features of one call of a layer with batch-first input shapes (batch size included).
    `result` is the reader's own output for the call where it has one (a graph node, whose
    operations may carry constants); otherwise the layer's spec computes it from the config."""
    if result is None:
        spec = spec_for(class_name, operation=operation)
        result = spec(LayerCall(class_name, Config(config), tuple(tuple(s) for s in input_shapes)))
    batch = input_shapes[0][0]
    values = {
        "log_macs": _log(result.macs * batch),
        "log_input_elements": _log(sum(math.prod(s) for s in input_shapes)),
        "log_output_elements": _log(sum(math.prod(s) for s in result.outputs)),
        "log_params": _log(result.params),
        "log_batch": _log(batch),
    }
    family = family_of(class_name, operation)
    values.update(_family_extras(family, class_name, config, input_shapes, result.outputs))
    return LayerFeatures(family, tuple(values), tuple(float(v) for v in values.values()))


def node_features(node: LayerNode) -> LayerFeatures:
    """Features of a layer call read from a model file."""
    result = LayerResult(tuple(node.output_shapes), node.params, node.macs)  # type: ignore[arg-type]
    return layer_features(
        node.priced_as,
        node.config,
        node.input_shapes,
        operation=node.operation,
        result=result,  # type: ignore[arg-type]
    )


def row_features(row: Mapping[str, Any]) -> LayerFeatures:
    """Features of a measurements CSV row (contract 3), JSON columns decoded or not."""
    config = row["layer_config"]
    shapes = row["input_shape"]
    config = json.loads(config) if isinstance(config, str) else config
    shapes = json.loads(shapes) if isinstance(shapes, str) else shapes
    if shapes and not isinstance(shapes[0], list):
        shapes = [shapes]
    return layer_features(row["layer_class"], config, [tuple(s) for s in shapes])
