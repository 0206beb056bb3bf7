"""The architecture registry: backbones described by their configuration, not by a layer graph.

Two sources, one description (`base.Transformer`) per family module, listed here explicitly:

- a KerasHub `.keras` file, whose config.json names the backbone class ("GemmaBackbone") and
  holds its constructor arguments (or a CausalLM holding such a backbone);
- a Hugging Face config.json, named by its `model_type`.

Nothing from the file is run: each family module reads numbers and flags, and `base` lays out
the layer calls. A configuration the registry does not know is one line naming what it knows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from . import bert, gemma, gpt2, llama, mistral, phi3, qwen, vit
from .base import ArchitectureError, Transformer, TransformerGraph, resized, transformer_graph

FAMILIES = (bert, gemma, gpt2, llama, mistral, phi3, qwen, vit)
KERAS_HUB: dict[str, Callable[[str, Mapping[str, Any]], Transformer]] = {
    name: reader for family in FAMILIES for name, reader in family.KERAS_HUB.items()
}
HUGGING_FACE: dict[str, Callable[[str, Mapping[str, Any]], Transformer]] = {
    name: reader for family in FAMILIES for name, reader in family.HUGGING_FACE.items()
}
DEFAULT_SEQUENCE_LENGTH = 128
"""Positions of a forward pass when the configuration sets no `sequence-length`."""

__all__ = [
    "DEFAULT_SEQUENCE_LENGTH",
    "HUGGING_FACE",
    "KERAS_HUB",
    "ArchitectureError",
    "Transformer",
    "TransformerGraph",
    "describe",
    "is_hugging_face_config",
    "is_keras_hub_backbone",
    "resized",
    "transformer_graph",
]


def is_keras_hub_backbone(config: Any) -> bool:
    """A KerasHub object saved as its constructor arguments (module keras_hub.*, no layers)."""
    if not isinstance(config, Mapping):
        return False
    module = config.get("module")
    registered = config.get("registered_name")
    from_hub = (isinstance(module, str) and module.startswith("keras_hub")) or (
        isinstance(registered, str) and registered.startswith("keras_hub>")
    )
    inner = config.get("config")
    return from_hub and isinstance(inner, Mapping) and not isinstance(inner.get("layers"), list)


def is_hugging_face_config(config: Any) -> bool:
    """A Hugging Face config.json: a `model_type` string and no Keras class_name."""
    return (
        isinstance(config, Mapping)
        and isinstance(config.get("model_type"), str)
        and "class_name" not in config
    )


def _quantization_note(quantization: Any) -> str | None:
    """A quantized checkpoint (AWQ, GPTQ, bitsandbytes...) runs other kernels than the float
    layers the profile measured: said, never silently priced as if it were float."""
    if not isinstance(quantization, Mapping):
        return None
    method = quantization.get("quant_method") or "a quantization"
    bits = quantization.get("bits") or quantization.get("weight_bits")
    what = f"{method}, {bits}-bit" if isinstance(bits, int) else str(method)
    return (
        f"quantization_config ({what}) is not modelled: priced as the unquantized model on this "
        "profile, whose kernels are float"
    )


def describe(config: Mapping[str, Any]) -> Transformer:
    """The Transformer a KerasHub backbone config or a Hugging Face config.json describes."""
    if is_hugging_face_config(config):
        model_type = config["model_type"]
        reader = HUGGING_FACE.get(model_type)
        if reader is None:
            known = ", ".join(sorted(HUGGING_FACE))
            raise ArchitectureError(
                f"Hugging Face model_type {model_type!r} is not supported (known: {known})"
            )
        spec = reader(model_type, config)
        note = _quantization_note(config.get("quantization_config"))
        return replace(spec, notes=(*spec.notes, note)) if note else spec
    class_name = config.get("class_name")
    backbone = config["config"].get("backbone")
    if isinstance(class_name, str) and class_name.endswith("CausalLM") and is_keras_hub_backbone(backbone):
        # A KerasHub CausalLM is its backbone plus the output projection through the token
        # embedding (tied, or its reverse matrix), which the backbone's graph already has.
        return describe(backbone)
    reader = KERAS_HUB.get(class_name) if isinstance(class_name, str) else None
    if reader is None:
        known = ", ".join(sorted(KERAS_HUB))
        raise ArchitectureError(
            f"KerasHub class {class_name!r} is not supported: its architecture is Python code, "
            f"which energy-lint does not run (known backbones: {known})"
        )
    return reader(class_name, config["config"])
