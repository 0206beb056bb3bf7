"""Gemma 1, 2 and 3 (KerasHub GemmaBackbone, Gemma3Backbone; Hugging Face "gemma", "gemma2",
"gemma3_text", and "gemma3" through its text_config): rotary positions, multi- or grouped-query
attention, RMS norms, a GELU-gated MLP, the output tied to the token embedding. Gemma 2 adds
norms after attention and after the MLP and alternates sliding-window and global attention;
Gemma 3 also normalizes queries and keys and has five local layers to each global one.

KerasHub's GemmaBackbone gives its gated MLP intermediate_dim / 2 units per branch (its
intermediate_dim counts both branches); Gemma3Backbone and Hugging Face give the branch width."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .base import ArchitectureError, Transformer
from .fields import Fields
from .qwen import sliding_layers


def from_keras_hub(class_name: str, raw: Mapping[str, Any]) -> Transformer:
    f = Fields(raw, class_name)
    gemma3 = class_name == "Gemma3Backbone"
    if gemma3 and raw.get("vision_encoder") is not None:
        raise ArchitectureError(f"{class_name} with a vision encoder is not supported (text-only Gemma 3 is)")
    layers = f.layers("num_layers")
    post = f.bool("use_post_attention_norm", False) or f.bool("use_post_ffw_norm", False)
    sliding = f.bool("use_sliding_window_attention", False)
    period = 6 if gemma3 else 2
    intermediate = f.int("intermediate_dim")
    return Transformer(
        architecture="gemma3" if gemma3 else ("gemma2" if post else "gemma"),
        source=class_name,
        vocabulary=f.int("vocabulary_size"),
        hidden=f.int("hidden_dim"),
        layers=layers,
        heads=f.int("num_query_heads"),
        kv_heads=f.int("num_key_value_heads"),
        head_dim=f.int("head_dim"),
        intermediate=intermediate if gemma3 else intermediate // 2,
        activation="gelu",
        epsilon=f.number("layer_norm_epsilon", 1e-6),
        post_attention_norm=f.bool("use_post_attention_norm", False),
        post_ffw_norm=f.bool("use_post_ffw_norm", False),
        qk_norm=gemma3 and f.bool("use_query_key_norm", True),
        head="tied",
        sliding_window=f.int("sliding_window_size", 1024 if gemma3 else 4096) if sliding else None,
        sliding_layers=tuple(sliding and (i % period < period - 1) for i in range(layers)),
    )


def from_hugging_face(model_type: str, raw: Mapping[str, Any]) -> Transformer:
    if model_type == "gemma3":
        text = raw.get("text_config")
        if not isinstance(text, Mapping):
            raise ArchitectureError("gemma3 config has no text_config object")
        spec = from_hugging_face("gemma3_text", text)
        note = "the vision tower of a multimodal Gemma 3 is not included"
        return replace(spec, source="Hugging Face 'gemma3' text_config", notes=(note,))
    f = Fields(raw, model_type)
    hidden, heads, layers = f.int("hidden_size"), f.int("num_attention_heads"), f.layers("num_hidden_layers")
    version = {"gemma": 1, "gemma2": 2, "gemma3_text": 3}[model_type]
    period = 6 if version == 3 else 2
    default = [version > 1 and i % period < period - 1 for i in range(layers)]
    if version == 3 and f.has("sliding_window_pattern"):
        pattern = f.int("sliding_window_pattern")
        default = [(i + 1) % pattern != 0 for i in range(layers)]
    pattern_layers = sliding_layers(f, layers, default) if version > 1 else (False,) * layers
    bias = f.bool("attention_bias", False)
    return Transformer(
        architecture="gemma3" if version == 3 else model_type,
        source=f"Hugging Face {model_type!r}",
        vocabulary=f.int("vocab_size"),
        hidden=hidden,
        layers=layers,
        heads=heads,
        kv_heads=f.int("num_key_value_heads", heads),
        head_dim=f.int("head_dim") if f.has("head_dim") else f.divided(hidden, "num_attention_heads"),
        intermediate=f.int("intermediate_size"),
        activation="gelu",
        epsilon=f.number("rms_norm_eps", 1e-6),
        qkv_bias=bias,
        out_bias=bias,
        post_attention_norm=version > 1,
        post_ffw_norm=version > 1,
        qk_norm=version == 3,
        head="tied" if f.bool("tie_word_embeddings", True) else "separate",
        sliding_window=f.int("sliding_window", 4096) if any(pattern_layers) else None,
        sliding_layers=pattern_layers,
    )


KERAS_HUB = {"GemmaBackbone": from_keras_hub, "Gemma3Backbone": from_keras_hub}
HUGGING_FACE = {
    "gemma": from_hugging_face,
    "gemma2": from_hugging_face,
    "gemma3_text": from_hugging_face,
    "gemma3": from_hugging_face,
}
