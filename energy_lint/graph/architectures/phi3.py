"""Phi-3 (KerasHub Phi3Backbone; Hugging Face "phi3"): Llama's block with the query, key and
value projections fused in one matrix and the gate and up projections in another (the same
weights and products as separate ones), and an output projection of its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from . import llama
from .base import Transformer
from .fields import Fields


def from_keras_hub(class_name: str, raw: Mapping[str, Any]) -> Transformer:
    f = Fields(raw, class_name)
    hidden, heads = f.int("hidden_dim"), f.int("num_query_heads")
    return Transformer(
        architecture="phi3",
        source=class_name,
        vocabulary=f.int("vocabulary_size"),
        hidden=hidden,
        layers=f.layers("num_layers"),
        heads=heads,
        kv_heads=f.int("num_key_value_heads", heads),
        head_dim=f.divided(hidden, "num_query_heads"),
        intermediate=f.int("intermediate_dim"),
        epsilon=f.number("layer_norm_epsilon", 1e-6),
        head="separate",
    )


def from_hugging_face(model_type: str, raw: Mapping[str, Any]) -> Transformer:
    spec = llama.from_hugging_face(model_type, raw)
    window = Fields(raw, model_type).optional_int("sliding_window")
    return replace(
        spec,
        qkv_bias=False,
        out_bias=False,
        mlp_bias=False,
        sliding_window=window,
        sliding_layers=(window is not None,) * spec.layers,
    )


KERAS_HUB = {"Phi3Backbone": from_keras_hub}
HUGGING_FACE = {"phi3": from_hugging_face}
