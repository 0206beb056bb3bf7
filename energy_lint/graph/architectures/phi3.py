"""Phi-3 (KerasHub Phi3Backbone; Hugging Face "phi3"): Llama's block with the query, key and
value projections fused in one matrix and the gate and up projections in another (the same
weights and products as separate ones), and an output projection of its own. Its Hugging Face
config reads as Mistral's: no biases, and a sliding window where the config gives one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from . import llama, mistral
from .base import Transformer


def from_keras_hub(class_name: str, raw: Mapping[str, Any]) -> Transformer:
    """Llama's reading of the same constructor arguments, with an output projection of its own
    (Phi3Backbone never ties it)."""
    return replace(llama.from_keras_hub(class_name, raw), architecture="phi3", head="separate")


KERAS_HUB = {"Phi3Backbone": from_keras_hub}
HUGGING_FACE = {"phi3": mistral.from_hugging_face}
