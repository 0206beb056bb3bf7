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

from ..errors import EnergyLintError
from ..graph import LayerNode
from ..graph.layers import spec_for
from ..graph.layers.base import Config, LayerCall, LayerConfigError, LayerResult, Shape, checked_int
from .families import FAMILY_MEMBERS, FREE, family_of
from .prior import BYTES_PER_ELEMENT, MODEL_TRAFFIC, TAPS

COMMON = (
    "log_macs",
    "log_input_elements",
    "log_output_elements",
    "log_params",
    "log_batch",
    "log_bytes",
    "log_intensity",
)
"""Features of every family. log_bytes is the memory a call moves (inputs, outputs and weights,
4 bytes each), log_intensity its MACs per byte moved: with log_macs they place a layer on the
roofline the family's prior (prior.py) describes."""

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


MODEL_BYTES_MOVED = "model_bytes_moved"
"""The key calibration adds to a measured row (model_traffic.annotate): the bytes one pass of
the run it was measured in moves. Not a CSV column."""
AFTER_MATMUL = "after_matmul"
"""The key (1.0 or 0.0) price_layers and calibration add beside a layer's features: whether the
priced layer before it in the model's order (free ones skipped) multiplies by weights
(families.MATMUL_FAMILIES). Not a tree feature: it picks the fused share a prediction is scaled
by. In the onnxruntime campaign 97.5% of activation rows right after one had no time of their own
and 22.4% of the others (benchmarks/fused_after_matmul.py)."""
TRAFFIC_FAMILIES = ("dense", "activation", "elementwise", "normalization", "reshaping")
"""The families whose features include the model's traffic (prior.MODEL_TRAFFIC)."""


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


def _prod(config: Config, key: str, rank: int, fallback: str | None = None) -> float:
    """The product of an int-or-list config value (kernel_size, strides...) over `rank` spatial
    axes (an int stands for every axis, as Keras reads it), validated as the layer specs validate
    it; absent or null means 1 (or the `fallback` key's value)."""
    value = config.get(key)
    if value is None and fallback is not None:
        value = config.get(fallback)
    if value is None:
        return 1.0
    values = value if isinstance(value, (list, tuple)) else [value] * max(rank, 1)
    return float(math.prod(checked_int(v, f"config '{key}'") for v in values))


def _count(config: Config, *keys: str) -> float:
    """The first of `keys` set in the config, as a validated positive integer; else 1."""
    for key in keys:
        value = config.optional_int(key)
        if value:
            return float(value)
    return 1.0


CONV_FAMILIES = ("conv", "conv_transpose", "depthwise_conv", "separable_conv")


def _channels_per_group(family: str, config: Config, in_channels: int) -> float:
    """The input channels each output element sums over: in / groups for a convolution, one
    for a depthwise one (its pointwise half dominates a separable one, which sums them all)."""
    if family == "depthwise_conv":
        return 1.0
    return max(in_channels / _count(config, "groups"), 1.0)


MAX_ALIGNMENT_LOG2 = 6
"""Alignments past 64 channels change nothing a SIMD kernel sees."""


def _channel_alignment(in_channels: int, out_channels: int) -> float:
    """log2 of the largest power of two (up to 64) dividing both channel counts. Runtimes run a
    convolution on a blocked layout only when its channels fill the blocks: onnxruntime's NCHWc
    path needs them divisible by 4 (calibration/cpu-epyc-2core-ort: depthwise convolutions ran at
    a median 4.5 G MACs/s with channels off it, 17-55 on it), which no count of MACs or bytes
    tells apart."""
    both = math.gcd(max(int(in_channels), 1), max(int(out_channels), 1))
    return float(min((both & -both).bit_length() - 1, MAX_ALIGNMENT_LOG2))


def _grouped_taps(family: str, values: Mapping[str, float], macs: float) -> float:
    """The kernel taps of a grouped convolution (its MACs with the channel sum taken out); 0 for
    an ungrouped one, which runs a dense kernel bound by MACs and bytes, not by taps, and for a
    depthwise layer, which runs a depthwise kernel of its own (priced by the conv predictor
    where a profile has no depthwise one, it must not take the grouped convolutions' tap rate)."""
    if family != "conv" or values.get("groups", 1.0) <= 1.0:
        return 0.0
    return macs / math.expm1(values["log_channels_per_group"])


def _family_extras(
    family: str, class_name: str, raw: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> dict[str, float]:
    """Family features read from the config through Config, which refuses a string, a list, a
    NaN or a number too large for a float with a one-line LayerConfigError."""
    config = Config(raw)
    # An operation may take or give a scalar (rank 0): it counts as one element of one channel.
    first = inputs[0] if inputs and inputs[0] else (1,)
    out = outputs[0] if outputs and outputs[0] else (1,)
    channels_first = config.get("data_format") == "channels_first"
    in_channels = first[1] if channels_first and len(first) > 1 else first[-1]
    out_channels = out[1] if channels_first and len(out) > 1 else out[-1]
    rank = len(first) - 2
    if family in CONV_FAMILIES:
        return {
            "kernel_volume": _prod(config, "kernel_size", rank),
            "stride_product": _prod(config, "strides", rank),
            "dilation_product": _prod(config, "dilation_rate", rank),
            "log_in_channels": _log(in_channels),
            "log_out_channels": _log(out_channels),
            "groups": _count(config, "groups"),
            "spatial_rank": float(rank),
            "log_channels_per_group": _log(_channels_per_group(family, config, in_channels)),
            "log2_channel_alignment": _channel_alignment(in_channels, out_channels),
        }
    if family == "dense":
        return {
            "log_in_features": _log(first[-1]),
            "log_units": _log(out[-1]),
            "log_rows": _log(math.prod(first[:-1])),
        }
    if family == "pooling":
        return {
            "pool_volume": _prod(config, "pool_size", rank),
            "stride_product": _prod(config, "strides", rank, fallback="pool_size"),
            "is_max": float(class_name.startswith("Max")),
        }
    if family == "global_pooling":
        return {"log_channels": _log(in_channels), "is_max": float("Max" in class_name)}
    if family == "activation":
        return {"activation": _code(_activation(raw, class_name), _ACTIVATIONS)}
    if family in ("normalization", "elementwise", "reshaping"):
        return {"kind": _code(class_name, _KINDS[family]), "inputs": float(len(inputs))}
    if family == "concatenate":
        return {"inputs": float(len(inputs))}
    if family == "attention":
        key = inputs[1] if len(inputs) > 1 else first
        return {
            "heads": _count(config, "num_heads", "num_query_heads"),
            "log_query_steps": _log(math.prod(first[1:-1])),
            "log_key_steps": _log(math.prod(key[1:-1])),
            "log_width": _log(first[-1]),
        }
    if family == "recurrent":
        inner = raw.get("layer") if class_name == "Bidirectional" else raw
        inner_config = inner.get("config", inner) if isinstance(inner, Mapping) else {}
        inner_cfg = Config(inner_config if isinstance(inner_config, Mapping) else {})
        units = inner_cfg.optional_int("units") or config.optional_int("filters") or 1
        return {
            "log_steps": _log(first[1] if len(first) > 2 else 1),
            "log_units": _log(units),
            "directions": 2.0 if class_name == "Bidirectional" else 1.0,
        }
    if family == "embedding":
        return {
            "log_vocabulary": _log(_count(config, "input_dim")),
            "log_output_dim": _log(_count(config, "output_dim")),
        }
    return {}


def _weight_reads(family: str, input_shapes: Sequence[Shape]) -> int:
    """How often a call reads its weights: once, but once per step for a recurrent layer, whose
    loop multiplies the state by its recurrent kernel at every step (at batch 1 an LSTM's time
    follows steps x weight bytes, a matrix-vector product per step bound by memory)."""
    if family != "recurrent" or not input_shapes or len(input_shapes[0]) <= 2:
        return 1
    return max(int(input_shapes[0][1] or 1), 1)


def layer_features(
    class_name: str,
    config: Mapping[str, Any],
    input_shapes: Sequence[Shape],
    *,
    operation: bool = False,
    result: LayerResult | None = None,
    batch: int | None = None,
) -> LayerFeatures:
    """Features of one call of a layer with batch-first input shapes (batch size included).
    `result` is the reader's own output for the call where it has one (a graph node, whose
    operations may carry constants); otherwise the layer's spec computes it from the config.
    `batch` is the model's batch where the first axis is not it (an ONNX node after a Reshape
    or a sequence-first Transpose: (steps, batch, width)); the reader's MACs are per sample of
    the model's batch."""
    if result is None:
        spec = spec_for(class_name, operation=operation)
        result = spec(LayerCall(class_name, Config(config), tuple(tuple(s) for s in input_shapes)))
    if batch is None:
        batch = input_shapes[0][0] if input_shapes and input_shapes[0] else 1
    macs = result.macs * batch
    inputs = sum(math.prod(s) for s in input_shapes)
    outputs = sum(math.prod(s) for s in result.outputs)
    family = family_of(class_name, operation)
    moved = BYTES_PER_ELEMENT * (inputs + outputs + result.params * _weight_reads(family, input_shapes))
    values = {
        "log_macs": _log(macs),
        "log_input_elements": _log(inputs),
        "log_output_elements": _log(outputs),
        "log_params": _log(result.params),
        "log_batch": _log(batch),
        "log_bytes": _log(moved),
        "log_intensity": _log(macs / moved) if moved > 0 else 0.0,
    }
    values.update(_family_extras(family, class_name, config, input_shapes, result.outputs))
    if family in CONV_FAMILIES:
        values[TAPS] = _log(_grouped_taps(family, values, macs))
    return LayerFeatures(family, tuple(values), tuple(float(v) for v in values.values()))


def bytes_moved(features: LayerFeatures) -> float:
    """The bytes a layer call moves (inputs, outputs, weights): its share of the model's traffic;
    0 for a free layer, which the runtime does not run."""
    if features.family == FREE:
        return 0.0
    return math.expm1(features.as_dict()["log_bytes"])


def with_model_traffic(features: LayerFeatures, model_bytes: float) -> LayerFeatures:
    """The features with the model's traffic (what one pass moves, `model_bytes`, at least the
    layer's own) added, for a family that reads it: a small model's pass leaves its weights in
    the last-level cache for the next, where its batch-1 matrix-vector products read them fast
    (benchmarks/matvec_bandwidth.py); a large one's evicts them (benchmarks/cache_reuse.py)."""
    if features.family not in TRAFFIC_FAMILIES:
        return features
    value = _log(max(model_bytes, bytes_moved(features)))
    return LayerFeatures(features.family, (*features.names, MODEL_TRAFFIC), (*features.values, value))


def node_features(node: LayerNode, batch: int | None = None) -> LayerFeatures:
    """Features of a layer call read from a model file; `batch` the model's where the node's
    first axis may be another (see layer_features); without the model's traffic, which
    price_layers adds once it has every node's bytes."""
    params = node.params if node.layer_params is None else node.layer_params
    result = LayerResult(tuple(node.output_shapes), params, node.macs)  # type: ignore[arg-type]
    try:
        return layer_features(
            node.priced_as,
            node.config,
            node.input_shapes,
            operation=node.operation,
            result=result,  # type: ignore[arg-type]
            batch=batch,
        )
    except LayerConfigError as error:
        raise EnergyLintError(f"layer {node.name!r} ({node.type}): {error}") from None


def row_features(row: Mapping[str, Any]) -> LayerFeatures:
    """Features of a measurements CSV row (docs/contracts.md, 3. Measurements CSV), JSON columns
    decoded or not. A row with `macs` and `params` (an ONNX node, whose config the Keras specs
    cannot read: explicit pads, weights as inputs) keeps the counts its reader made, with its
    `output_shape`, as check computes them for the same node."""
    config = row["layer_config"]
    shapes = row["input_shape"]
    config = json.loads(config) if isinstance(config, str) else config
    shapes = json.loads(shapes) if isinstance(shapes, str) else shapes
    if shapes and not isinstance(shapes[0], list):
        shapes = [shapes]
    # Keras' model.input_shape writes the batch as None: the row's batch_size, else one sample.
    batch_size = int(float(row["batch_size"])) if row.get("batch_size") else 1
    shapes = [[batch_size, *s[1:]] if s and s[0] is None else s for s in shapes]
    result = _row_result(row)
    # A row with the reader's counts is a node of an ONNX graph: per-sample MACs of the model's
    # batch, whatever its first axis holds.
    batch = int(float(row["batch_size"])) if result is not None and row.get("batch_size") else None
    shapes = [tuple(s) for s in shapes]
    features = layer_features(row["layer_class"], config, shapes, result=result, batch=batch)
    model_bytes = row.get(MODEL_BYTES_MOVED)
    return with_model_traffic(features, float(model_bytes)) if model_bytes not in (None, "") else features


def _row_result(row: Mapping[str, Any]) -> LayerResult | None:
    """The reader's own counts a row carries, or None (the layer's spec computes them)."""
    if row.get("macs") in (None, "") or row.get("params") in (None, ""):
        return None
    outputs = row["output_shape"]
    outputs = json.loads(outputs) if isinstance(outputs, str) else outputs
    if outputs and not isinstance(outputs[0], list):
        outputs = [outputs]
    counts = [float(row[key]) for key in ("macs", "params")]
    if not all(math.isfinite(count) and count >= 0 for count in counts):
        raise LayerConfigError(f"columns macs and params must be counts, got {counts}")
    return LayerResult(tuple(tuple(s) for s in outputs), int(counts[1]), int(counts[0]))
