"""KerasHub transformers profiled in context: a real Llama and BERT run in TensorFlow, each op
given to the registry node it computes, a row per node in the class `check` prices it as, a
decode step over its cache, and a campaign that resumes by key."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from energy_lint.calibration import transformer_architectures as sampled
from energy_lint.calibration.in_context import OVERHEAD
from energy_lint.calibration.measurements import read_rows
from energy_lint.calibration.power_model import PowerModel
from energy_lint.calibration.transformer_scopes import TransformerScopes
from energy_lint.graph.architectures.base import ATTENTION_CORE

pytestmark = pytest.mark.keras

ROOT = "gemma_causal_lm_1/gemma_backbone_1/"
BLOCK = ROOT + "decoder_block_0_1/"
TINY = {
    "hub-llama": {
        "vocabulary_size": 97,
        "num_layers": 2,
        "hidden_dim": 128,
        "intermediate_dim": 512,
        "num_query_heads": 4,
        "num_key_value_heads": 2,
    },
    "hub-bert": {
        "vocabulary_size": 97,
        "num_layers": 1,
        "hidden_dim": 128,
        "intermediate_dim": 512,
        "num_heads": 2,
        "max_sequence_length": 64,
    },
}
"""Small, but not so small that TensorFlow runs a layer's ops inline as "inexpensive": the
profiler then misses them in some passes (a 32-wide BERT's output projection, 2 passes of 5; a
32-wide Llama's decode-step mlp.down, in a CI run on a 2-core EPYC)."""


@pytest.fixture(scope="module")
def campaign_csv(tmp_path_factory):
    """One prefill and one decode step of a tiny Llama, a prefill of a tiny BERT, profiled."""
    from energy_lint.calibration import in_context, keras_backend
    from energy_lint.calibration.transformer_campaign import TransformerCampaign

    keras_backend.select_device("cpu")
    in_context.set_threads()
    directory = tmp_path_factory.mktemp("transformers")
    paths = {}
    for family, config in TINY.items():
        paths[family] = directory / f"{family}-0000.json"
        paths[family].write_text(json.dumps(sampled.config_json(family, config)))
    runs = [
        sampled.TransformerRun(paths["hub-llama"], 1, 16),
        sampled.TransformerRun(paths["hub-llama"], 2, 1, 40),
        sampled.TransformerRun(paths["hub-bert"], 1, 64),
    ]
    PowerModel(watts=30.0, idle_w=20.0, per_core_w=5.0, execution_path="test").save(
        directory / "power-model.json"
    )
    csv_path = directory / "measurements.csv"
    options = {"passes": 5, "whole_seconds": 0.05, "repeats": 3}
    campaign = TransformerCampaign(runs, csv_path, **options)
    first = campaign.run()
    again = TransformerCampaign(runs, csv_path, **options).run()
    return csv_path, campaign.profiles, first, again


def test_every_node_of_each_run_gets_a_row_in_its_registry_class(campaign_csv):
    csv_path, profiles, first, _ = campaign_csv
    assert first.measured == 3 and not first.failed
    rows = read_rows([csv_path])
    for run, _ in profiles:
        graph = sampled.run_graph(run)
        mine = [
            r for r in rows if r["model"] == run.model_id and int(float(r["batch_size"])) == run.batch_size
        ]
        layer_rows = [r for r in mine if r["layer_class"] != "Model"]
        assert len(layer_rows) == len(graph.layers), run
        by_node = {r["source"].rsplit(":", 1)[1]: r for r in layer_rows}
        assert set(by_node) == {n.name for n in graph.layers}
        for node in graph.layers:
            assert by_node[node.name]["layer_class"] == node.type
        # the matrix products of every block ran under their own scopes
        for name, row in by_node.items():
            if name.endswith(("attention.query", "attention.value", "mlp.up", "mlp.down")):
                assert float(row["duration_s"]) > 0, (run, name)
            if name.endswith("attention.core"):
                assert float(row["duration_s"]) > 0, (run, name)


def test_a_decode_step_row_says_its_context_and_its_attention_reads_the_cache(campaign_csv):
    csv_path, _, _, _ = campaign_csv
    rows = read_rows([csv_path])
    models = [r for r in rows if r["layer_class"] == "Model"]
    assert len(models) == 3
    decode = [r for r in models if sampled.DECODE_CONTEXT in r["layer_config"]]
    assert len(decode) == 1 and decode[0]["layer_config"][sampled.DECODE_CONTEXT] == 40
    assert decode[0]["input_shape"] == [[2, 1]]
    cores = [r for r in rows if r["layer_class"] == ATTENTION_CORE and r["input_shape"][0][:2] == [2, 1]]
    assert len(cores) == 2  # one per block
    assert all(core["input_shape"][1][1] == 40 for core in cores)


def test_ops_under_no_node_are_a_small_share_of_the_profiled_time(campaign_csv):
    """Every op the registry has a node for is found: what is left under no node (the
    language-model wrapper, a decode step's cache stacking) is a small part of a pass."""
    _, profiles, _, _ = campaign_csv
    assert len(profiles) == 3
    for run, result in profiles:
        share = result.overhead_s / (result.overhead_s + result.layers_total_s)
        assert share < (0.3 if run.decode else 0.15), (run, share)


def test_a_rerun_resumes_with_nothing_left_and_keys_are_unique(campaign_csv):
    csv_path, _, _, again = campaign_csv
    assert again.measured == 0 and again.already == 3
    keys = Counter(r["case_key"] for r in read_rows([csv_path]))
    assert keys and max(keys.values()) == 1


def test_scopes_follow_keras_hub_names_suffixes_and_op_types(tmp_path):
    path = tmp_path / "hub-gemma-0000.json"
    config = {"vocabulary_size": 50, "num_layers": 1, "hidden_dim": 32, "intermediate_dim": 64,
              "num_query_heads": 2, "num_key_value_heads": 1, "head_dim": 16}  # fmt: skip
    path.write_text(json.dumps(sampled.config_json("hub-gemma", config)))
    scopes = TransformerScopes(sampled.run_graph(sampled.TransformerRun(path, 1, 8)))
    ops = [  # as TensorFlow names them when a model's scopes carry a "_1"
        (BLOCK + "ffw_gating_2_1/einsum/Einsum", "_MklBatchMatMulV2"),
        (BLOCK + "ffw_gating_1/einsum/Einsum", "_MklBatchMatMulV2"),
        (BLOCK + "attention_1/query_1/einsum/Einsum", "_MklBatchMatMulV2"),
        (BLOCK + "attention_1/softmax_1/Softmax", "_MklSoftmax"),
        (BLOCK + "attention_1/rotary_embedding_1/mul", "Mul"),
        (BLOCK + "add_1", "AddV2"),
        (BLOCK + "add", "AddV2"),
        (BLOCK + "mul", "Mul"),
        (ROOT + "token_embedding_1/GatherV2", "GatherV2"),
        (ROOT + "token_embedding_1/MatMul", "_MklMatMul"),
        (ROOT + "mul", "Mul"),
        (BLOCK + "add_2", "_MklFusedMatMul"),  # a projection, its bias and the residual add fused
    ]  # fmt: skip
    scopes.learn(ops)
    names = [scopes(op, kind) for op, kind in ops]
    assert names == [
        "layers.0.mlp.up",
        "layers.0.mlp.gate",
        "layers.0.attention.query",
        "layers.0.attention.core",
        "layers.0.attention.rotary",
        "layers.0.mlp.residual",
        "layers.0.attention.residual",
        "layers.0.mlp.gating",
        "embeddings.token",
        "output",
        OVERHEAD,
        "layers.0.attention.output",
    ]
