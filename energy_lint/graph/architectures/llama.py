"""Llama 2 and 3 (KerasHub LlamaBackbone, Llama3Backbone; Hugging Face "llama"): rotary
positions, grouped-query attention, RMS norms, a SiLU-gated MLP, an output projection of its
own unless tie_word_embeddings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import Transformer
from .fields import Fields


def from_keras_hub(class_name: str, raw: Mapping[str, Any]) -> Transformer:
    f = Fields(raw, class_name)
    hidden, heads = f.int("hidden_dim"), f.int("num_query_heads")
    return Transformer(
        architecture="llama3" if class_name == "Llama3Backbone" else "llama",
        source=class_name,
        vocabulary=f.int("vocabulary_size"),
        hidden=hidden,
        layers=f.layers("num_layers"),
        heads=heads,
        kv_heads=f.int("num_key_value_heads", heads),
        head_dim=f.divided(hidden, "num_query_heads"),
        intermediate=f.int("intermediate_dim"),
        epsilon=f.number("layer_norm_epsilon", 1e-6),
        # KerasHub's reversible embedding keeps its own reverse matrix unless tied.
        head="tied" if f.bool("tie_word_embeddings", False) else "separate",
    )


def from_hugging_face(model_type: str, raw: Mapping[str, Any]) -> Transformer:
    f = Fields(raw, model_type)
    hidden, heads = f.int("hidden_size"), f.int("num_attention_heads")
    head_dim = f.int("head_dim") if f.has("head_dim") else f.divided(hidden, "num_attention_heads")
    bias = f.bool("attention_bias", False)
    return Transformer(
        architecture=model_type,
        source=f"Hugging Face {model_type!r}",
        vocabulary=f.int("vocab_size"),
        hidden=hidden,
        layers=f.layers("num_hidden_layers"),
        heads=heads,
        kv_heads=f.int("num_key_value_heads", heads),
        head_dim=head_dim,
        intermediate=f.int("intermediate_size"),
        activation=f.text("hidden_act", "silu"),
        epsilon=f.number("rms_norm_eps", 1e-6),
        qkv_bias=bias,
        out_bias=bias,
        mlp_bias=f.bool("mlp_bias", False),
        head="tied" if f.bool("tie_word_embeddings", False) else "separate",
    )


KERAS_HUB = {"LlamaBackbone": from_keras_hub, "Llama3Backbone": from_keras_hub}
HUGGING_FACE = {"llama": from_hugging_face}
