"""ViT (KerasHub ViTBackbone; Hugging Face "vit"): the image cut into patches by a strided
convolution, a class token, learned positions, pre-norm blocks with biased multi-head attention
and a GELU MLP, a final layer norm. An encoder over a fixed number of positions (patches + 1):
no decode phase. Hugging Face's count is ViTModel's without its pooler (the backbone)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import ArchitectureError, Transformer
from .fields import Fields


def _vit(source: str, f: Fields, hidden: int, heads_key: str, **fields: Any) -> Transformer:
    image, patch = fields["image"], fields["patch"]
    if image[0] % patch or image[1] % patch:
        raise ArchitectureError(
            f"{f.what} config: image size {image[:2]} is not a multiple of patch size {patch}"
        )
    heads = f.int(heads_key)
    return Transformer(
        architecture="vit",
        source=source,
        vocabulary=0,
        hidden=hidden,
        heads=heads,
        kv_heads=heads,
        head_dim=f.divided(hidden, heads_key),
        gated=False,
        norm="layer",
        position="learned",
        out_bias=True,
        head="none",
        causal=False,
        **fields,
    )


def _pair(f: Fields, key: str, size: int) -> list[int]:
    value = f.raw.get(key)
    values = value if isinstance(value, list) else [value]
    if len(values) != size:
        raise ArchitectureError(f"{f.what} config {key!r} must have {size} values, got {value!r}")
    return [Fields({key: v}, f.what).int(key) for v in values]


def from_keras_hub(class_name: str, raw: Mapping[str, Any]) -> Transformer:
    f = Fields(raw, class_name)
    height, width, channels = _pair(f, "image_shape", 3)
    patch = (
        _pair(f, "patch_size", 2) if isinstance(raw.get("patch_size"), list) else [f.int("patch_size")] * 2
    )
    if patch[0] != patch[1]:
        raise ArchitectureError(f"{class_name} config: only square patches are supported, got {patch}")
    return _vit(
        class_name,
        f,
        f.int("hidden_dim"),
        "num_heads",
        layers=f.layers("num_layers"),
        intermediate=f.int("mlp_dim"),
        activation="gelu",
        epsilon=f.number("layer_norm_epsilon", 1e-6),
        qkv_bias=f.bool("use_mha_bias", True),
        mlp_bias=f.bool("use_mlp_bias", True),
        class_token=f.bool("use_class_token", True),
        patch_bias=f.bool("use_patch_bias", True),
        image=(height, width, channels),
        patch=patch[0],
    )


def from_hugging_face(model_type: str, raw: Mapping[str, Any]) -> Transformer:
    f = Fields(raw, model_type)
    size = f.int("image_size", 224)
    return _vit(
        f"Hugging Face {model_type!r}",
        f,
        f.int("hidden_size"),
        "num_attention_heads",
        layers=f.layers("num_hidden_layers"),
        intermediate=f.int("intermediate_size"),
        activation=f.text("hidden_act", "gelu"),
        epsilon=f.number("layer_norm_eps", 1e-12),
        qkv_bias=f.bool("qkv_bias", True),
        mlp_bias=True,
        class_token=True,
        image=(size, size, f.int("num_channels", 3)),
        patch=f.int("patch_size", 16),
    )


KERAS_HUB = {"ViTBackbone": from_keras_hub}
HUGGING_FACE = {"vit": from_hugging_face}
