"""`calibrate --in-context --transformers N`: the in-context campaign (budget, resume, power
model, a row per node and one per run) over sampled KerasHub transformers: a prefill over the
prompt, and for a decoder one decode step with a key/value cache, each in a tf.function as the
other in-context rows run. Rows are named and priced as the architecture registry's nodes
(transformer_scopes.py), so that they teach the predictors exactly what `check` prices when it
reads a configuration, decode steps included."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import EnergyLintError
from . import in_context
from .in_context_campaign import InContextCampaign
from .measurements import FORWARD
from .power_model import PowerModel
from .suite import _key
from .transformer_architectures import CLASSES, DECODE_CONTEXT, TransformerRun, run_graph
from .transformer_scopes import TransformerScopes

NO_TRAINING = "--train is not available with --transformers yet: prefill and decode only"
"""Training steps of transformers are not measured yet: said once, by the CLI before anything is
written and by the campaign as a guard."""


def build(run: TransformerRun) -> tuple[Any, Callable[[], Any]]:
    """The KerasHub model of `run` (random weights) and one call of what it executes, in a
    tf.function, returning its outputs as a list."""
    import keras_hub
    import tensorflow as tf

    config = json.loads(run.path.read_text())
    class_name = config.get("class_name")
    if class_name not in CLASSES.values():  # only the sampled families: no other class is built
        raise EnergyLintError(f"{run.path}: {class_name!r} is not a sampled transformer backbone")
    backbone = getattr(keras_hub.models, class_name).from_config(config["config"])
    b, tokens = run.batch_size, run.tokens
    if class_name == "BertBackbone":
        inputs = {
            "token_ids": tf.zeros((b, tokens), tf.int32),
            "segment_ids": tf.zeros((b, tokens), tf.int32),
            "padding_mask": tf.ones((b, tokens), tf.int32),
        }
        call = tf.function(lambda: list(backbone(inputs).values()), jit_compile=False)
        return backbone, call
    model = getattr(keras_hub.models, class_name.replace("Backbone", "CausalLM"))(
        backbone=backbone, preprocessor=None
    )
    if not run.decode:
        inputs = {
            "token_ids": tf.zeros((b, tokens), tf.int32),
            "padding_mask": tf.ones((b, tokens), tf.int32),
        }
        return model, tf.function(lambda: [model(inputs)], jit_compile=False)
    heads = getattr(backbone, "num_key_value_heads", None) or backbone.num_heads
    head_dim = getattr(backbone, "head_dim", None) or backbone.hidden_dim // (
        getattr(backbone, "num_query_heads", None) or backbone.num_heads
    )
    cache = tf.zeros((b, backbone.num_layers, 2, run.context, heads, head_dim), model.compute_dtype)
    token = tf.zeros((b, 1), tf.int32)
    index = tf.constant(run.context - 1)
    step = tf.function(lambda: list(model.call_with_cache(token, cache, index)[:2]), jit_compile=False)
    return model, step


@dataclass
class TransformerCampaign(InContextCampaign):
    def __post_init__(self) -> None:
        if self.train:
            raise EnergyLintError(NO_TRAINING)

    def _power_work(self, keras: Any, run: TransformerRun) -> Callable[[], None]:  # type: ignore[override]
        _, call = build(run)

        def work() -> None:
            in_context._finish(call())

        work()
        return work

    def _model_key(self, run: TransformerRun, mode: str = FORWARD) -> str:  # type: ignore[override]
        return _key("in-context", "Model", self._relative(run.path), run.batch_size, run.tag)

    def _measure(self, keras: Any, run: TransformerRun, power: PowerModel, mode: str) -> list[dict[str, Any]]:  # type: ignore[override]
        graph = run_graph(run)
        model, call = build(run)
        result = in_context.profile(
            keras,
            model,
            graph,
            None,
            passes=self.passes,
            whole_seconds=self.whole_seconds,
            repeats=self.repeats,
            step=call,
            scopes=lambda: TransformerScopes(graph),
        )
        self.profiles.append((run, result))  # type: ignore[arg-type]
        rows = self._rows(run, graph, result, power, keras, mode)  # type: ignore[arg-type]
        for row in rows:
            if row["layer_class"] == "Model":
                row["case_key"] = self._model_key(run)
                if run.decode:
                    row["layer_config"] = {**row["layer_config"], DECODE_CONTEXT: run.context}
            else:
                row["case_key"] = f"{row['case_key']}|{run.tag}"
        return rows
