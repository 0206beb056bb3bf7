"""Embedding: a table lookup. MACs per sample: 0 (a gather, not a product)."""

from __future__ import annotations

from .base import LayerCall, LayerResult


def embedding(call: LayerCall) -> LayerResult:
    shape = call.input
    input_dim = call.config.int("input_dim")
    output_dim = call.config.int("output_dim")
    return LayerResult(((*shape, output_dim),), input_dim * output_dim)


SPECS = {"Embedding": embedding}
