"""Give each op of a running KerasHub transformer to the node of the registry's layer graph it
computes ("llama_backbone/transformer_layer_1/self_attention/query/..." -> "layers.1.attention.
query"), so that a profiled prefill or decode step yields rows in the classes and configs that
`check` prices a configuration with (Dense, Attention, RMSNormalization...).

KerasHub names its sublayers per model family; the table below maps each name (its scope suffix
"_N" stripped) to the registry's. Ops a block runs outside any sublayer go by type: an
activation to the MLP's activation, a multiply to its gating, the adds to the two residuals in
the order they run; anything else under a block is the attention's (masks, cache updates).
Ops under no known scope are the model's overhead, as for every other in-context row."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from ..graph import ModelGraph
from .in_context import OVERHEAD, ScopeMap

_BLOCK = re.compile(r"^(?:transformer_layer|decoder_block)_(\d+)(?:_\d+)?$")
_SUFFIX = re.compile(r"_\d+$")

_TOP = {
    "token_embedding": "embeddings.token",
    "position_embedding": "embeddings.position",
    "segment_embedding": "embeddings.segment",
    "embeddings_add": "embeddings.add_position",
    "embeddings_layer_norm": "embeddings.norm",
    "sequence_output_layernorm": "final_norm",
    "final_normalization": "final_norm",
    "layer_norm": "final_norm",
    "pooled_dense": "pooler.dense",
}
"""Sublayers of the backbone (outside the blocks), by KerasHub name."""
_IN_BLOCK = {
    "self_attention_layernorm": "attention_norm",
    "self_attention_layer_norm": "attention_norm",
    "pre_attention_norm": "attention_norm",
    "post_attention_norm": "post_attention_norm",
    "feedforward_layernorm": "mlp_norm",
    "feedforward_layer_norm": "mlp_norm",
    "pre_ffw_norm": "mlp_norm",
    "post_ffw_norm": "post_mlp_norm",
    "feedforward_gate_dense": "mlp.gate",
    "ffw_gating": "mlp.gate",
    "feedforward_intermediate_dense": "mlp.up",
    "ffw_gating_2": "mlp.up",
    "feedforward_output_dense": "mlp.down",
    "ffw_linear": "mlp.down",
    "Gelu": "mlp.activation",
}
"""Sublayers of a block, by KerasHub name (Gemma's gate is ffw_gating, its up ffw_gating_2)."""
_ATTENTION_SCOPES = ("self_attention", "self_attention_layer", "attention")
_IN_ATTENTION = {
    "query": "attention.query",
    "key": "attention.key",
    "value": "attention.value",
    "attention_output": "attention.output",
    "query_norm": "attention.query_norm",
    "key_norm": "attention.key_norm",
}
_KNOWN = {*_TOP, *_IN_BLOCK, *_ATTENTION_SCOPES, *_IN_ATTENTION}
_ACTIVATION_OPS = ("Swish", "Gelu", "Relu", "Tanh", "Sigmoid", "Erf", "Elu", "Selu")
_MATMUL_OPS = ("MatMul", "Einsum")


class TransformerScopes(ScopeMap):
    """The op -> node map of one profiled run (LayerScopes' interface: learn, call, notes)."""

    def __init__(self, graph: ModelGraph) -> None:
        super().__init__()
        self.nodes = {node.name for node in graph.layers}
        self.residual_ops: dict[str, list[str]] = defaultdict(list)
        self.unknown: set[str] = set()

    def learn(self, ops: Iterable[tuple[str, str]]) -> None:
        """See every op first: a block's residual adds are told apart by their order."""
        for op, op_type in ops:
            self._resolve(op, op_type)
        for names in self.residual_ops.values():
            names.sort(key=_natural)
        self.cache.clear()

    def _resolve(self, op: str, op_type: str) -> str:
        parts = [_strip(part) for part in op.split("/")[:-1]]
        name = self._name(parts, op, op_type)
        if name is not None and "Fused" in op_type:
            name = _fused_owner(name)
        if name is None or name not in self.nodes:
            if name is not None:
                self.unknown.add(name)
            return OVERHEAD
        return name

    def _name(self, parts: list[str], op: str, op_type: str) -> str | None:
        for position, part in enumerate(parts):
            block = _BLOCK.match(part)
            if block:
                inner = self._in_block(parts[position + 1 :], op, op_type, parts[: position + 1])
                return None if inner is None else f"layers.{block.group(1)}.{inner}"
            if part in _TOP:
                if part == "token_embedding" and any(m in op_type for m in _MATMUL_OPS):
                    return "output"  # the reverse embedding: the language-model head
                return _TOP[part]
        return None

    def _in_block(self, parts: list[str], op: str, op_type: str, block: list[str]) -> str | None:
        if not parts:
            return self._bare(op, op_type, "/".join(block))
        first = parts[0]
        if first in _ATTENTION_SCOPES:
            inner = parts[1] if len(parts) > 1 else ""
            if inner in _IN_ATTENTION:
                return _IN_ATTENTION[inner]
            return "attention.rotary" if "rotary" in inner else "attention.core"
        if first in _IN_BLOCK:
            if first == "feedforward_intermediate_dense" and len(parts) > 1 and parts[1] == "Gelu":
                return "mlp.activation"  # GPT-2 and BERT apply the activation inside the dense
            return _IN_BLOCK[first]
        return None

    def _bare(self, op: str, op_type: str, block: str) -> str | None:
        """An op a block runs outside its sublayers."""
        if any(kind in op_type for kind in _ACTIVATION_OPS):
            return "mlp.activation"
        if op_type == "Mul":
            return "mlp.gating"
        fused_add = "Fused" in op_type and op.rsplit("/", 1)[-1].startswith("add")
        if op_type in ("AddV2", "Add", "AddN") or fused_add:
            seen = self.residual_ops[block]
            if op not in seen:
                seen.append(op)
            return "mlp.residual" if seen.index(op) % 2 else "attention.residual"
        return "attention.core"  # masks and cache updates serve the attention

    def notes(self) -> list[str]:
        if not self.unknown:
            return []
        return [f"ops of {len(self.unknown)} scope(s) with no node in the graph counted as overhead"]


_FUSED_INTO = {
    "attention.residual": "attention.output",
    "mlp.residual": "mlp.down",
    "mlp.activation": "mlp.up",
}
"""A fused matmul kernel (matmul + bias + add or activation) is named after the last op it
absorbed: the residual add after a projection, the activation after the MLP's up projection.
Its time is the projection's, as LayerScopes gives a fused kernel to the dense layer it starts
from."""


def _fused_owner(name: str) -> str:
    for tail, owner in _FUSED_INTO.items():
        if name.endswith(tail):
            return name[: -len(tail)] + owner
    return name


def _strip(part: str) -> str:
    """A scope without the "_N" TensorFlow adds to make it unique, except where the suffix is
    part of the layer's own name (a block's index, Gemma's ffw_gating_2)."""
    if _BLOCK.match(part) or part in _KNOWN:
        return part
    stripped = _SUFFIX.sub("", part)
    return stripped if stripped in _KNOWN else part


def _natural(op: str) -> tuple[int, str]:
    match = re.search(r"_(\d+)$", op)
    return (int(match.group(1)) if match else 0, op)
