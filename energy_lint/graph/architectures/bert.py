"""BERT (KerasHub BertBackbone; Hugging Face "bert"): learned token, position and segment
embeddings with a layer norm, post-norm blocks with biased multi-head attention and a GELU MLP,
and the pooler (a dense layer with tanh on the first position). An encoder: no output
projection and no decode phase. Hugging Face's count is BertModel's (with its pooler)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import Transformer
from .fields import Fields


def _bert(f: Fields, source: str, hidden: int, heads_key: str, **fields: Any) -> Transformer:
    settings: dict[str, Any] = {
        "gated": False,
        "activation": "gelu",
        "norm": "layer",
        "position": "learned",
        "embedding_norm": True,
        "qkv_bias": True,
        "out_bias": True,
        "mlp_bias": True,
        "post_norm": True,
        "final_norm": False,
        "pooler": True,
        "head": "none",
        "causal": False,
    }
    settings.update(fields)
    heads = f.int(heads_key)
    return Transformer(
        architecture="bert",
        source=source,
        hidden=hidden,
        heads=heads,
        kv_heads=heads,
        head_dim=f.divided(hidden, heads_key),
        **settings,
    )


def from_keras_hub(class_name: str, raw: Mapping[str, Any]) -> Transformer:
    f = Fields(raw, class_name)
    return _bert(
        f,
        class_name,
        f.int("hidden_dim"),
        "num_heads",
        vocabulary=f.int("vocabulary_size"),
        layers=f.layers("num_layers"),
        intermediate=f.int("intermediate_dim"),
        epsilon=1e-12,
        max_positions=f.int("max_sequence_length", 512),
        segments=f.int("num_segments", 2),
    )


def from_hugging_face(model_type: str, raw: Mapping[str, Any]) -> Transformer:
    f = Fields(raw, model_type)
    return _bert(
        f,
        f"Hugging Face {model_type!r}",
        f.int("hidden_size"),
        "num_attention_heads",
        vocabulary=f.int("vocab_size"),
        layers=f.layers("num_hidden_layers"),
        intermediate=f.int("intermediate_size"),
        activation=f.text("hidden_act", "gelu"),
        epsilon=f.number("layer_norm_eps", 1e-12),
        max_positions=f.int("max_position_embeddings", 512),
        segments=f.int("type_vocab_size", 2),
    )


KERAS_HUB = {"BertBackbone": from_keras_hub}
HUGGING_FACE = {"bert": from_hugging_face}
