"""GPT-2 (KerasHub GPT2Backbone; Hugging Face "gpt2"): learned token and position embeddings,
pre-norm blocks with biased multi-head attention and a GELU MLP, a final layer norm, and the
output projection tied to the token embedding (Hugging Face's GPT2LMHeadModel)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import Transformer
from .fields import Fields


def _gpt2(source: str, hidden: int, heads: int, head_dim: int, **fields: Any) -> Transformer:
    return Transformer(
        architecture="gpt2",
        source=source,
        hidden=hidden,
        heads=heads,
        kv_heads=heads,
        head_dim=head_dim,
        gated=False,
        norm="layer",
        position="learned",
        qkv_bias=True,
        out_bias=True,
        mlp_bias=True,
        head="tied",
        **fields,
    )


def from_keras_hub(class_name: str, raw: Mapping[str, Any]) -> Transformer:
    f = Fields(raw, class_name)
    hidden = f.int("hidden_dim")
    return _gpt2(
        class_name,
        hidden,
        f.int("num_heads"),
        f.divided(hidden, "num_heads"),
        vocabulary=f.int("vocabulary_size"),
        layers=f.layers("num_layers"),
        intermediate=f.int("intermediate_dim"),
        activation="gelu",
        epsilon=1e-5,
        max_positions=f.int("max_sequence_length", 1024),
    )


def from_hugging_face(model_type: str, raw: Mapping[str, Any]) -> Transformer:
    f = Fields(raw, model_type)
    hidden = f.int("n_embd")
    return _gpt2(
        f"Hugging Face {model_type!r}",
        hidden,
        f.int("n_head"),
        f.divided(hidden, "n_head"),
        vocabulary=f.int("vocab_size"),
        layers=f.layers("n_layer"),
        intermediate=f.int("n_inner", 4 * hidden),
        activation=f.text("activation_function", "gelu_new"),
        epsilon=f.number("layer_norm_epsilon", 1e-5),
        max_positions=f.int("n_positions", 1024),
    )


KERAS_HUB = {"GPT2Backbone": from_keras_hub}
HUGGING_FACE = {"gpt2": from_hugging_face}
