"""Mistral (KerasHub MistralBackbone; Hugging Face "mistral"): Llama's block with sliding-window
attention on every layer when the config sets a window."""

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
    window = f.optional_int("sliding_window")
    layers = f.layers("num_layers")
    return Transformer(
        architecture="mistral",
        source=class_name,
        vocabulary=f.int("vocabulary_size"),
        hidden=hidden,
        layers=layers,
        heads=heads,
        kv_heads=f.int("num_key_value_heads", heads),
        head_dim=f.int("head_dim") if f.has("head_dim") else f.divided(hidden, "num_query_heads"),
        intermediate=f.int("intermediate_dim"),
        epsilon=f.number("layer_norm_epsilon", 1e-6),
        head="separate",  # MistralBackbone never ties its reverse embedding
        sliding_window=window,
        sliding_layers=(window is not None,) * layers,
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


KERAS_HUB = {"MistralBackbone": from_keras_hub}
HUGGING_FACE = {"mistral": from_hugging_face}
