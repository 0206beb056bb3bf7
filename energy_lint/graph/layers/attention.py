"""Attention layers: MultiHeadAttention, GroupedQueryAttention, Attention, AdditiveAttention.

MACs per sample: the query/key/value/output projections (positions x in x out, as Dense), plus
the two attention products: query positions x key positions x heads x head size for the scores,
and the same with the value head size for the weighted sum. Softmax is element-wise: 0."""

from __future__ import annotations

import math

from .base import LayerCall, LayerConfigError, LayerResult, Shape, checked_int, normalize_axis


def _query_value_key(call: LayerCall) -> tuple[Shape, Shape, Shape]:
    """Inputs as Keras passes them: (query, value[, key]) positionally or as keyword tensors."""
    shapes = list(call.inputs)
    query = shapes[0] if shapes else call.keyword_inputs.get("query")
    value = shapes[1] if len(shapes) > 1 else call.keyword_inputs.get("value")
    key = shapes[2] if len(shapes) > 2 else call.keyword_inputs.get("key", value)
    if query is None or value is None or key is None:
        raise LayerConfigError("expects query and value inputs")
    return query, value, key


def multi_head_attention(call: LayerCall) -> LayerResult:
    config = call.config
    query, value, key = _query_value_key(call)
    heads = config.int("num_heads")
    key_dim = config.int("key_dim")
    value_dim = config.optional_int("value_dim") or key_dim
    bias = config.bool("use_bias", True)
    declared = config.get("output_shape")
    if declared is None:
        out_dims: tuple[int, ...] = (query[-1],)
    elif isinstance(declared, (list, tuple)):
        out_dims = tuple(checked_int(d, "config 'output_shape'") for d in declared)
    else:
        out_dims = (checked_int(declared, "config 'output_shape'"),)
    out_size = math.prod(out_dims)

    rank = len(query)
    axes_config = config.get("attention_axes")
    if axes_config is None:
        attended = tuple(range(1, rank - 1))
    else:
        attended = tuple(sorted({normalize_axis(a, rank) for a in config.axes("attention_axes")}))
    if len(key) != rank or len(value) != rank:
        raise LayerConfigError("query, key and value must have the same rank")
    other = [i for i in range(1, rank - 1) if i not in attended]
    batch_like = math.prod(query[i] for i in other)
    query_positions = math.prod(query[i] for i in attended)
    key_positions = math.prod(key[i] for i in attended)

    params = (
        query[-1] * heads * key_dim
        + key[-1] * heads * key_dim
        + value[-1] * heads * value_dim
        + heads * value_dim * out_size
    )
    if bias:
        params += 2 * heads * key_dim + heads * value_dim + out_size
    macs = (
        math.prod(query[1:-1]) * query[-1] * heads * key_dim
        + math.prod(key[1:-1]) * key[-1] * heads * key_dim
        + math.prod(value[1:-1]) * value[-1] * heads * value_dim
        + batch_like * query_positions * key_positions * heads * (key_dim + value_dim)
        + math.prod(query[1:-1]) * heads * value_dim * out_size
    )
    outputs: list[Shape] = [query[:-1] + out_dims]
    if call.options.get("return_attention_scores"):
        scores = (
            query[0],
            *(query[i] for i in other),
            heads,
            *(query[i] for i in attended),
            *(key[i] for i in attended),
        )
        outputs.append(scores)
    return LayerResult(tuple(outputs), params, macs)


def grouped_query_attention(call: LayerCall) -> LayerResult:
    config = call.config
    query, value, key = _query_value_key(call)
    head_dim = config.int("head_dim")
    query_heads = config.int("num_query_heads")
    kv_heads = config.int("num_key_value_heads")
    bias = config.bool("use_bias", True)
    features = query[-1]
    params = (
        features * query_heads * head_dim
        + key[-1] * kv_heads * head_dim
        + value[-1] * kv_heads * head_dim
        + query_heads * head_dim * features
    )
    if bias:
        params += query_heads * head_dim + 2 * kv_heads * head_dim + features
    positions, key_positions = math.prod(query[1:-1]), math.prod(key[1:-1])
    macs = (
        positions * features * query_heads * head_dim
        + key_positions * (key[-1] + value[-1]) * kv_heads * head_dim
        + 2 * positions * key_positions * query_heads * head_dim
        + positions * query_heads * head_dim * features
    )
    outputs: list[Shape] = [query]
    if call.options.get("return_attention_scores"):
        outputs.append((query[0], query_heads, positions, key_positions))
    return LayerResult(tuple(outputs), params, macs)


def _dot_attention(additive: bool):
    def spec(call: LayerCall) -> LayerResult:
        query, value, key = _query_value_key(call)
        if len(query) != 3 or len(value) != 3 or len(key) != 3:
            raise LayerConfigError("expects inputs of rank 3 (batch, steps, features)")
        scale = call.config.bool("use_scale", additive)
        params = (query[-1] if additive else 1) if scale else 0
        if not additive and call.config.get("score_mode") == "concat":
            params += 1
        steps = query[1] * key[1]
        outputs: list[Shape] = [(query[0], query[1], value[-1])]
        if call.options.get("return_attention_scores"):
            outputs.append((query[0], query[1], key[1]))
        return LayerResult(tuple(outputs), params, steps * (query[-1] + value[-1]))

    return spec


SPECS = {
    "MultiHeadAttention": multi_head_attention,
    "GroupedQueryAttention": grouped_query_attention,
    "GroupQueryAttention": grouped_query_attention,
    "Attention": _dot_attention(additive=False),
    "AdditiveAttention": _dot_attention(additive=True),
}
