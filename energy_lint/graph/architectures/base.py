"""A transformer described by its hyperparameters, and its layer graph built from them.

KerasHub saves a backbone as its constructor arguments and Hugging Face as config.json: neither
is a layer graph, and the code that turns them into one is Python we never run. Each family
module maps its configuration onto `Transformer`; this module lays out the layer calls of that
description with energy-lint's own layer specs (Embedding, Dense, Attention, normalization,
activation, Add/Multiply), so the graph's params and MACs come from the same functions that
price every other model, and the bundled profiles price each node by its family.

Blocks repeat: one block's nodes are computed once per kind of block (full or sliding-window
attention) and copied under each layer's name, so an 80-layer model costs a few dozen spec
calls, not thousands."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..layers import spec_for
from ..layers.base import Config, LayerCall, Shape
from ..model import LayerNode, ModelGraph

ATTENTION_CORE = "Attention"
"""The class of the attention product node (scores and weighted sum, no projections)."""


class ArchitectureError(ValueError):
    """A configuration the registry cannot describe: one line, naming what is known."""


@dataclass(frozen=True)
class Transformer:
    """What a backbone's configuration says, in one vocabulary for every family."""

    architecture: str
    """The family as the registry names it: "llama", "gemma2", "bert"..."""
    source: str
    """Where it was read from: a KerasHub class name or a Hugging Face model_type."""
    vocabulary: int
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    gated: bool = True
    activation: str = "silu"
    norm: str = "rms"
    """"rms" (scale only) or "layer" (scale and bias)."""
    epsilon: float = 1e-6
    position: str = "rotary"
    """"rotary" (no weights, applied to queries and keys) or "learned" (a table)."""
    max_positions: int = 0
    segments: int = 0
    """Token-type (segment) embeddings, as BERT has."""
    embedding_norm: bool = False
    qkv_bias: bool = False
    out_bias: bool = False
    mlp_bias: bool = False
    post_attention_norm: bool = False
    post_ffw_norm: bool = False
    qk_norm: bool = False
    post_norm: bool = False
    """Normalization after the residual add (BERT) instead of before each sublayer."""
    final_norm: bool = True
    pooler: bool = False
    head: str = "tied"
    """The output projection to the vocabulary: "tied" (the embedding table reused, no weights
    of its own), "separate" (its own matrix) or "none" (an encoder)."""
    sliding_window: int | None = None
    sliding_layers: tuple[bool, ...] = ()
    """Per layer, whether its attention is limited to the last `sliding_window` positions."""
    causal: bool = True
    image: tuple[int, int, int] | None = None
    """(height, width, channels) of a vision transformer's input; None for text."""
    patch: int = 0
    patch_bias: bool = True
    class_token: bool = False
    notes: tuple[str, ...] = ()

    @property
    def generates(self) -> bool:
        """A causal language model: it has a decode phase, token by token."""
        return self.causal and self.head != "none" and self.image is None

    @property
    def patches(self) -> int:
        if self.image is None:
            return 0
        return (self.image[0] // self.patch) * (self.image[1] // self.patch)

    def window(self, layer: int) -> int | None:
        sliding = self.sliding_layers[layer] if layer < len(self.sliding_layers) else False
        return self.sliding_window if sliding else None


def _node(
    name: str, class_name: str, config: Mapping[str, Any], inputs: list[Shape], params: int | None = None
) -> LayerNode:
    """One layer call, its params, MACs and output shape from energy-lint's own layer spec."""
    result = spec_for(class_name)(LayerCall(class_name, Config(config), tuple(inputs)))
    return LayerNode(
        name=name,
        type=class_name,
        config=dict(config),
        inputs=[],
        input_shapes=list(inputs),
        output_shapes=list(result.outputs),
        params=result.params if params is None else params,
        macs=result.macs,
    )


def _dense(name: str, units: int, bias: bool, shape: Shape) -> LayerNode:
    return _node(name, "Dense", {"units": units, "use_bias": bias}, [shape])


def _norm(spec: Transformer, name: str, shape: Shape) -> LayerNode:
    if spec.norm == "rms":
        return _node(name, "RMSNormalization", {"axis": -1, "epsilon": spec.epsilon}, [shape])
    config = {"axis": -1, "epsilon": spec.epsilon, "center": True, "scale": True}
    return _node(name, "LayerNormalization", config, [shape])


def _add(name: str, shape: Shape) -> LayerNode:
    return _node(name, "Add", {}, [shape, shape])


def block_nodes(
    spec: Transformer, batch: int, queries: int, keys: int, window: int | None
) -> list[LayerNode]:
    """One transformer block over `queries` new positions that attend to `keys` positions
    (the prompt in a forward pass; the cache plus the new token in a decode step). Names are
    relative to the block."""
    d, h, kv, hd = spec.hidden, spec.heads, spec.kv_heads, spec.head_dim
    x: Shape = (batch, queries, d)
    attended = min(keys, window) if window else keys
    nodes: list[LayerNode] = []
    if not spec.post_norm:
        nodes.append(_norm(spec, "attention_norm", x))
    nodes += [
        _dense("attention.query", h * hd, spec.qkv_bias, x),
        _dense("attention.key", kv * hd, spec.qkv_bias, x),
        _dense("attention.value", kv * hd, spec.qkv_bias, x),
    ]
    if spec.qk_norm:
        nodes.append(
            _node("attention.query_norm", "RMSNormalization", {"axis": -1}, [(batch, queries, h, hd)])
        )
        nodes.append(
            _node("attention.key_norm", "RMSNormalization", {"axis": -1}, [(batch, queries, kv, hd)])
        )
    if spec.position == "rotary":
        rotated = (batch, queries, (h + kv) * hd)
        nodes.append(_node("attention.rotary", "Multiply", {}, [rotated, rotated]))
    core = {
        "num_heads": h,
        "num_key_value_heads": kv,
        "head_dim": hd,
        "use_scale": False,
        "causal": spec.causal,
        "sliding_window": window,
    }
    # Grouped-query attention shares each key/value head among h / kv query heads, but the
    # products are still computed per query head: the key side is sized with h heads.
    nodes.append(
        _node("attention.core", ATTENTION_CORE, core, [(batch, queries, h * hd), (batch, attended, h * hd)])
    )
    nodes.append(_dense("attention.output", d, spec.out_bias, (batch, queries, h * hd)))
    if spec.post_attention_norm:
        nodes.append(_norm(spec, "post_attention_norm", x))
    nodes.append(_add("attention.residual", x))
    if spec.post_norm:
        nodes.append(_norm(spec, "attention_norm", x))
    else:
        nodes.append(_norm(spec, "mlp_norm", x))
    wide: Shape = (batch, queries, spec.intermediate)
    if spec.gated:
        nodes.append(_dense("mlp.gate", spec.intermediate, spec.mlp_bias, x))
    nodes.append(_dense("mlp.up", spec.intermediate, spec.mlp_bias, x))
    nodes.append(_node("mlp.activation", "Activation", {"activation": spec.activation}, [wide]))
    if spec.gated:
        nodes.append(_node("mlp.gating", "Multiply", {}, [wide, wide]))
    nodes.append(_dense("mlp.down", d, spec.mlp_bias, wide))
    if spec.post_ffw_norm:
        nodes.append(_norm(spec, "post_mlp_norm", x))
    nodes.append(_add("mlp.residual", x))
    if spec.post_norm:
        nodes.append(_norm(spec, "mlp_norm", x))
    return nodes


def _embeddings(spec: Transformer, batch: int, queries: int) -> list[LayerNode]:
    """Token (or patch) embeddings and learned positions, for `queries` positions."""
    d = spec.hidden
    x: Shape = (batch, queries, d)
    if spec.image is not None:
        height, width, channels = spec.image
        conv = {
            "filters": d,
            "kernel_size": [spec.patch, spec.patch],
            "strides": [spec.patch, spec.patch],
            "padding": "valid",
            "use_bias": spec.patch_bias,
        }
        nodes = [_node("embeddings.patches", "Conv2D", conv, [(batch, height, width, channels)])]
        tokens = spec.patches + int(spec.class_token)
        x = (batch, tokens, d)
        flat = (batch, spec.patches, d)
        nodes.append(
            _node(
                "embeddings.flatten",
                "Reshape",
                {"target_shape": [spec.patches, d]},
                [nodes[0].output_shapes[0]],
            )
        )  # type: ignore[list-item]
        if spec.class_token:
            nodes.append(
                _node("embeddings.class_token", "Concatenate", {"axis": 1}, [(batch, 1, d), flat], params=d)
            )
        nodes.append(
            _node(
                "embeddings.position", "Embedding", {"input_dim": tokens, "output_dim": d}, [(batch, tokens)]
            )
        )
        nodes.append(_add("embeddings.add_position", x))
        return nodes
    ids: Shape = (batch, queries)
    nodes = [_node("embeddings.token", "Embedding", {"input_dim": spec.vocabulary, "output_dim": d}, [ids])]
    if spec.position == "learned":
        table = {"input_dim": spec.max_positions, "output_dim": d}
        nodes += [_node("embeddings.position", "Embedding", table, [ids]), _add("embeddings.add_position", x)]
    if spec.segments:
        table = {"input_dim": spec.segments, "output_dim": d}
        nodes += [_node("embeddings.segment", "Embedding", table, [ids]), _add("embeddings.add_segment", x)]
    if spec.embedding_norm:
        nodes.append(_norm(spec, "embeddings.norm", x))
    return nodes


def _head(spec: Transformer, batch: int, queries: int) -> list[LayerNode]:
    x: Shape = (batch, queries, spec.hidden)
    nodes = [_norm(spec, "final_norm", x)] if spec.final_norm else []
    if spec.pooler:
        pooled: Shape = (batch, spec.hidden)
        nodes.append(_dense("pooler.dense", spec.hidden, True, pooled))
        nodes.append(_node("pooler.activation", "Activation", {"activation": "tanh"}, [pooled]))
    if spec.head != "none":
        head = _dense("output", spec.vocabulary, False, x)
        if spec.head == "tied":
            head.params = 0  # the token embedding's table, counted there
            head.note = "tied to the token embedding"
        nodes.append(head)
    return nodes


def sequence_length(spec: Transformer, requested: int) -> int:
    """The positions a forward pass covers: the image's patches for a vision transformer,
    else the requested prompt length (capped by a learned position table)."""
    if spec.image is not None:
        return spec.patches + int(spec.class_token)
    if spec.position == "learned" and spec.max_positions:
        return min(requested, spec.max_positions)
    return requested


def _renamed(node: LayerNode, name: str) -> LayerNode:
    """A copy under another name sharing the template's config and shapes (what lets the
    estimate price identical calls once); dataclasses.replace is ten times slower."""
    copy = object.__new__(LayerNode)
    copy.__dict__.update(node.__dict__)
    copy.name = name
    return copy


def _stack(spec: Transformer, batch: int, queries: int, keys: Callable[[int | None], int]) -> list[LayerNode]:
    """Every block, each kind of block computed once and copied under each layer's name."""
    templates: dict[int | None, list[LayerNode]] = {}
    nodes: list[LayerNode] = []
    for index in range(spec.layers):
        window = spec.window(index)
        if window not in templates:
            templates[window] = block_nodes(spec, batch, queries, keys(window), window)
        prefix = f"layers.{index}."
        nodes += [_renamed(node, prefix + node.name) for node in templates[window]]
    return nodes


def block_counts(spec: Transformer) -> dict[int | None, int]:
    """How many blocks of each kind (by attention window; None is full attention)."""
    counts: dict[int | None, int] = {}
    for index in range(spec.layers):
        window = spec.window(index)
        counts[window] = counts.get(window, 0) + 1
    return counts


def forward_nodes(spec: Transformer, batch: int, tokens: int) -> list[LayerNode]:
    """A forward pass over `tokens` positions (the prompt): what prefill costs."""
    return [
        *_embeddings(spec, batch, tokens),
        *_stack(spec, batch, tokens, lambda window: tokens),
        *_head(spec, batch, tokens),
    ]


def decode_parts(spec: Transformer, batch: int, context: int) -> list[tuple[LayerNode, int]]:
    """One decode step as distinct layer calls and how many times each runs: the embeddings
    and head once, each kind of block's calls once per block of that kind."""
    parts = [(node, 1) for node in _embeddings(spec, batch, 1)]
    for window, count in block_counts(spec).items():
        parts += [(node, count) for node in block_nodes(spec, batch, 1, context, window)]
    return parts + [(node, 1) for node in _head(spec, batch, 1)]


def decode_nodes(spec: Transformer, batch: int, context: int) -> list[LayerNode]:
    """One decode step with a key/value cache: one new token whose attention reads `context`
    positions (the cache and itself); projections and MLPs see the new token only."""
    return [
        *_embeddings(spec, batch, 1),
        *_stack(spec, batch, 1, lambda window: context),
        *_head(spec, batch, 1),
    ]


@dataclass
class TransformerGraph(ModelGraph):
    """A ModelGraph built from a configuration: it keeps the description, so that the engine
    can rebuild it at another sequence length and price decode steps."""

    transformer: Transformer | None = None
    sequence_length: int = 0


def transformer_graph(
    spec: Transformer, path: str, file_format: str, name: str, batch: int, tokens: int
) -> TransformerGraph:
    tokens = sequence_length(spec, tokens)
    nodes = forward_nodes(spec, batch, tokens)
    first = nodes[0].input_shapes[0]
    return TransformerGraph(
        path=path,
        format=file_format,
        name=name,
        batch_size=batch,
        layers=nodes,
        input_shapes=[first],
        output_shapes=[nodes[-1].output_shape],
        notes=[f"{spec.architecture} from {spec.source}, {tokens} positions", *spec.notes],
        transformer=spec,
        sequence_length=tokens,
    )


def resized(graph: TransformerGraph, tokens: int) -> TransformerGraph:
    """The same model over another number of positions."""
    assert graph.transformer is not None
    return transformer_graph(
        graph.transformer, graph.path, graph.format, graph.name, graph.batch_size, tokens
    )
