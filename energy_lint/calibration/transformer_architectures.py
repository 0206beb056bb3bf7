"""Sampled KerasHub transformers, for calibrating what `check` prices from a configuration
(issue 14): Llama, Qwen, Gemma and GPT-2 decoders and BERT encoders with sampled widths, depths,
heads (grouped- and multi-query attention included), MLP widths, vocabularies and sequence
lengths (32 to 8,192 positions), each profiled over a prompt (prefill) and, for a decoder, over
one decode step with a key/value cache of a sampled context.

A model file is the backbone's KerasHub config (constructor arguments, no weights): what the
architecture registry reads, and small enough to commit. Deterministic: model `index` of a
family depends only on (seed, family, index), and its id ("hub-llama-0003") names its family
before the last dash, so that accuracy benchmarks hold out a whole family (all Llamas)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..graph import ModelGraph, read_model
from ..graph.architectures import resized
from ..graph.architectures.base import TransformerGraph, decode_nodes

FAMILIES = ("hub-llama", "hub-qwen", "hub-gemma", "hub-gpt2", "hub-bert")
"""Sampled round-robin, as architectures.FAMILIES."""
CLASSES = {
    "hub-llama": "LlamaBackbone",
    "hub-qwen": "QwenBackbone",
    "hub-gemma": "GemmaBackbone",
    "hub-gpt2": "GPT2Backbone",
    "hub-bert": "BertBackbone",
}
DECODERS = {"hub-llama", "hub-qwen", "hub-gemma", "hub-gpt2"}
"""Families with a causal language-model head: they get a decode-step run too."""
LENGTHS = (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192)
BATCHES = (1, 1, 1, 2, 4)
MAX_BATCH_MACS = 3e9
"""Largest work (MACs x batch) of one sampled run: a fraction of a second on 2 cores here."""
DECODE_CONTEXT = "decode_context"
"""The Model row's layer_config key that marks a decode step and gives its cache length."""
MAX_SCORES = 2**27
"""Largest attention score tensor (batch x heads x queries x keys) a prefill may build: 512 MB."""
LONG_PROMPTS_FROM = 30
"""Models from this index on (in each family) are sized for a long prompt: the first ones, sized
first, mostly got prompts of 32 to 256 tokens (their output projection and width use up the
work limit), and a prompt of thousands of tokens is where attention's quadratic cost shows."""
LONG_LENGTHS = tuple(t for t in LENGTHS if t >= 1024)
MAX_LONG_MACS = 1.2e10
"""The work limit of a long prompt: about half a second a pass here."""
MAX_LONG_SCORES = 2**28


@dataclass(frozen=True)
class TransformerRun:
    """One thing to profile: a backbone file over `tokens` positions; with `context` > 0, one
    decode step (one new token) whose attention reads a cache of `context` positions."""

    path: Path
    batch_size: int
    tokens: int
    context: int = 0

    @property
    def model_id(self) -> str:
        return self.path.name.removesuffix(".json")

    @property
    def decode(self) -> bool:
        return self.context > 0

    @property
    def tag(self) -> str:
        """What tells two runs of one backbone file apart: in their layer rows' keys, after a
        "|", and in a whole model read back from its row (WholeModel.run)."""
        return f"decode@{self.context}" if self.decode else f"tokens={self.tokens}"


def run_graph(run: TransformerRun, read: ModelGraph | None = None) -> TransformerGraph:
    """The registry's graph of what `run` executes: the forward pass over its prompt, or one
    decode step over its context. `read` is the run's file already read at its batch size."""
    graph = resized(read or read_model(run.path, run.batch_size), run.tokens)  # type: ignore[arg-type]
    if not run.decode:
        return graph
    assert graph.transformer is not None
    nodes = decode_nodes(graph.transformer, run.batch_size, run.context)
    return TransformerGraph(
        path=graph.path,
        format=graph.format,
        name=graph.name,
        batch_size=run.batch_size,
        layers=nodes,
        input_shapes=[nodes[0].input_shapes[0]],
        output_shapes=[nodes[-1].output_shape],
        notes=[f"one decode step over a cache of {run.context} positions"],
        transformer=graph.transformer,
        sequence_length=1,
    )


def model_id(family: str, index: int) -> str:
    return f"{family}-{index:04d}"


def sample_config(family: str, index: int, seed: int = 0) -> dict[str, Any]:
    """The KerasHub constructor arguments of model `index` of `family`."""
    rng = random.Random(f"{seed}:{family}:{index}")
    long = index >= LONG_PROMPTS_FROM
    head_dim = rng.choice((32, 64) if long else (32, 64, 64, 128))
    heads = rng.choice((1, 2, 4) if long else (1, 2, 4, 6, 8, 12))
    hidden = head_dim * heads
    while hidden > 1024:
        heads //= 2
        hidden = head_dim * heads
    kv_heads = rng.choice([k for k in (1, 2, 4, heads) if heads % k == 0])
    intermediate = int(hidden * rng.choice((2.0, 8 / 3, 3.0, 4.0))) // 32 * 32 or 64
    config: dict[str, Any] = {
        "vocabulary_size": rng.choice((1000, 8000) if long else (1000, 8000, 32000)),
        "num_layers": rng.randint(1, 2 if long else 4),
        "hidden_dim": hidden,
        "intermediate_dim": intermediate,
    }
    if family in ("hub-llama", "hub-qwen"):
        config |= {"num_query_heads": heads, "num_key_value_heads": kv_heads}
    elif family == "hub-gemma":
        config |= {
            "num_query_heads": heads,
            "num_key_value_heads": kv_heads,
            "head_dim": head_dim,
            "intermediate_dim": intermediate * 2,  # KerasHub's Gemma counts both gated branches
        }
    else:  # GPT-2 and BERT: multi-head attention, learned positions
        config |= {"num_heads": heads, "max_sequence_length": max(LENGTHS)}
    return config


def config_json(family: str, config: dict[str, Any]) -> dict[str, Any]:
    """The file a KerasHub backbone saves as its config: class, module and arguments."""
    class_name = CLASSES[family]
    module = class_name.removesuffix("Backbone").lower()
    return {
        "module": f"keras_hub.src.models.{module}.{module}_backbone",
        "class_name": class_name,
        "config": {"name": f"{module}_backbone", "trainable": True, **config},
        "registered_name": f"keras_hub>{class_name}",
    }


def generate(out_dir: Path, count: int, seed: int = 0) -> list[TransformerRun]:
    """Write `count` backbone files round-robin over the families (kept where already written)
    and plan each one's prefill run and, for a decoder, a decode-step run, within the work
    limits."""
    out_dir.mkdir(parents=True, exist_ok=True)
    runs: list[TransformerRun] = []
    for number in range(count):
        family, index = FAMILIES[number % len(FAMILIES)], number // len(FAMILIES)
        path = out_dir / f"{model_id(family, index)}.json"
        if not path.exists():
            staging = path.with_suffix(".tmp")
            staging.write_text(json.dumps(config_json(family, sample_config(family, index, seed)), indent=1))
            staging.replace(path)
        rng = random.Random(f"{seed}:{family}:{index}:run")
        graph = read_model(path)
        batch = rng.choice(BATCHES)
        if index >= LONG_PROMPTS_FROM:
            batch, lengths = 1, [t for t in LONG_LENGTHS if _prefill_fits(graph, 1, t, long=True)]
        else:
            lengths = []
        lengths = lengths or [t for t in LENGTHS if _prefill_fits(graph, batch, t)] or [LENGTHS[0]]
        runs.append(TransformerRun(path, batch, rng.choice(lengths)))
        if family in DECODERS:
            batch = rng.choice(BATCHES)
            contexts = [c for c in LENGTHS[2:] if _step_fits(graph, batch, c)] or [LENGTHS[2]]
            runs.append(TransformerRun(path, batch, 1, rng.choice(contexts)))
    return runs


def _prefill_fits(graph: Any, batch: int, tokens: int, long: bool = False) -> bool:
    spec = graph.transformer
    work = resized(graph, tokens).macs * batch
    scores = batch * spec.heads * tokens * tokens
    if long:
        return work <= MAX_LONG_MACS and scores <= MAX_LONG_SCORES
    return work <= MAX_BATCH_MACS and scores <= MAX_SCORES


def _step_fits(graph: Any, batch: int, context: int) -> bool:
    return sum(n.macs for n in decode_nodes(graph.transformer, batch, context)) <= MAX_BATCH_MACS
