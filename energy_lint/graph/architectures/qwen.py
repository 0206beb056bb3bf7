"""Qwen 2 and 3 (KerasHub QwenBackbone/Qwen2Backbone, Qwen3Backbone; Hugging Face "qwen2",
"qwen3"): Llama's block; Qwen 2 adds biases to the query, key and value projections, Qwen 3
drops them and normalizes queries and keys per head. Sliding-window attention only where the
config turns it on (Hugging Face: the layers from max_window_layers up, or its layer_types)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from . import llama
from .base import ArchitectureError, Transformer
from .fields import Fields


def from_keras_hub(class_name: str, raw: Mapping[str, Any]) -> Transformer:
    f = Fields(raw, class_name)
    hidden, heads, layers = f.int("hidden_dim"), f.int("num_query_heads"), f.layers("num_layers")
    qwen3 = class_name == "Qwen3Backbone"
    sliding = f.bool("use_sliding_window_attention", False)
    return Transformer(
        architecture="qwen3" if qwen3 else "qwen2",
        source=class_name,
        vocabulary=f.int("vocabulary_size"),
        hidden=hidden,
        layers=layers,
        heads=heads,
        kv_heads=f.int("num_key_value_heads", heads),
        head_dim=f.int("head_dim") if qwen3 else f.divided(hidden, "num_query_heads"),
        intermediate=f.int("intermediate_dim"),
        epsilon=f.number("layer_norm_epsilon", 1e-6),
        qkv_bias=not qwen3,
        qk_norm=qwen3,
        head="tied" if f.bool("tie_word_embeddings", True) else "separate",
        sliding_window=f.int("sliding_window_size", 32768) if sliding else None,
        sliding_layers=(sliding,) * layers,
    )


def sliding_layers(f: Fields, layers: int, default: list[bool]) -> tuple[bool, ...]:
    """Hugging Face's layer_types when given ("sliding_attention"/"full_attention"), else the
    family's default pattern."""
    types = f.raw.get("layer_types")
    if types is None:
        return tuple(default)
    if not isinstance(types, list) or len(types) != layers or not all(isinstance(t, str) for t in types):
        raise ArchitectureError(f"{f.what} config 'layer_types' must list one string per layer")
    return tuple(t == "sliding_attention" for t in types)


def from_hugging_face(model_type: str, raw: Mapping[str, Any]) -> Transformer:
    spec = llama.from_hugging_face(model_type, raw)
    f = Fields(raw, model_type)
    qwen3 = model_type == "qwen3"
    use = f.bool("use_sliding_window", False)
    first = f.int("max_window_layers", spec.layers)
    pattern = sliding_layers(f, spec.layers, [use and i >= first for i in range(spec.layers)])
    return replace(
        spec,
        qkv_bias=f.bool("attention_bias", False) if qwen3 else True,
        out_bias=False,
        mlp_bias=False,
        qk_norm=qwen3,
        head="tied" if f.bool("tie_word_embeddings", False) else "separate",
        sliding_window=f.int("sliding_window", 4096) if any(pattern) else None,
        sliding_layers=pattern,
    )


KERAS_HUB = {"QwenBackbone": from_keras_hub, "Qwen2Backbone": from_keras_hub, "Qwen3Backbone": from_keras_hub}
HUGGING_FACE = {"qwen2": from_hugging_face, "qwen3": from_hugging_face}
