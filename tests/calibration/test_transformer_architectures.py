"""Sampled KerasHub transformers: deterministic files the architecture registry reads as the
family they were sampled for, runs within the work limits, a decode step for every decoder, and
the graph of a decode step read back from its Model row."""

from __future__ import annotations

import json

from energy_lint.calibration import transformer_architectures as sampled
from energy_lint.calibration.whole_models import read_whole_models
from energy_lint.graph import read_model
from energy_lint.graph.architectures.base import ATTENTION_CORE


def test_files_are_deterministic_and_read_as_their_family(tmp_path):
    first = sampled.generate(tmp_path / "a", 10, seed=3)
    second = sampled.generate(tmp_path / "b", 10, seed=3)
    assert [(r.model_id, r.batch_size, r.tokens, r.context) for r in first] == [
        (r.model_id, r.batch_size, r.tokens, r.context) for r in second
    ]
    for run in first:
        assert run.path.read_text() == (tmp_path / "b" / run.path.name).read_text()
    families = {r.model_id.rsplit("-", 1)[0] for r in first}
    assert families == set(sampled.FAMILIES)
    expected = {"hub-llama": "llama", "hub-qwen": "qwen", "hub-gpt2": "gpt2", "hub-bert": "bert"}
    for run in first:
        spec = read_model(run.path).transformer
        family = run.model_id.rsplit("-", 1)[0]
        if family in expected:
            assert spec.architecture.startswith(expected[family]), (run.model_id, spec.architecture)
        assert spec.source == sampled.CLASSES[family]


def test_every_decoder_gets_a_decode_run_within_the_limits(tmp_path):
    runs = sampled.generate(tmp_path, 10)
    decoders = {r.model_id for r in runs if r.model_id.rsplit("-", 1)[0] in sampled.DECODERS}
    assert {r.model_id for r in runs if r.decode} == decoders
    assert all(not r.decode for r in runs if r.model_id.startswith("hub-bert"))
    prefills = [r for r in runs if not r.decode]
    assert all(r.tokens in sampled.LENGTHS for r in prefills)
    assert all(r.tokens == 1 and r.context in sampled.LENGTHS for r in runs if r.decode)
    for run in (r for r in runs if r.tokens > sampled.LENGTHS[0] or r.decode):
        assert sampled.run_graph(run).macs * run.batch_size <= sampled.MAX_BATCH_MACS, run


def test_a_decode_step_attends_to_its_context_and_projects_one_token(tmp_path):
    run = next(r for r in sampled.generate(tmp_path, 5) if r.decode)
    graph = sampled.run_graph(run)
    core = next(n for n in graph.layers if n.type == ATTENTION_CORE)
    assert core.input_shapes[0][1] == 1
    assert core.input_shapes[1][1] == run.context
    queries = next(n for n in graph.layers if n.name.endswith("attention.query"))
    assert queries.input_shapes[0][:2] == (run.batch_size, 1)


def test_model_rows_give_back_the_prefill_and_the_decode_graphs(tmp_path):
    runs = sampled.generate(tmp_path, 1)
    prefill, decode = runs[0], runs[1]
    relative = prefill.path.name
    rows = [
        {
            "layer_class": "Model",
            "layer_config": {"model": relative},
            "input_shape": [[prefill.batch_size, prefill.tokens]],
            "energy_j": 1.0,
            "batch_size": prefill.batch_size,
            "model": prefill.model_id,
            "_csv_dir": str(tmp_path),
        },
        {
            "layer_class": "Model",
            "layer_config": {"model": relative, sampled.DECODE_CONTEXT: decode.context},
            "input_shape": [[decode.batch_size, 1]],
            "energy_j": 0.1,
            "batch_size": decode.batch_size,
            "model": decode.model_id,
            "_csv_dir": str(tmp_path),
        },
    ]
    models, skipped = read_whole_models(rows)
    assert skipped == 0
    assert models[0].graph.macs == sampled.run_graph(prefill).macs
    assert models[1].graph.macs == sampled.run_graph(decode).macs
    assert models[1].graph.layers[0].input_shapes[0] == (decode.batch_size, 1)
    saved = json.loads(prefill.path.read_text())
    assert saved["class_name"] == "LlamaBackbone" and "layers" not in saved["config"]


def test_later_models_are_sized_for_prompts_of_thousands_of_tokens(tmp_path):
    count = len(sampled.FAMILIES) * (sampled.LONG_PROMPTS_FROM + 2)
    runs = sampled.generate(tmp_path, count)
    index = sampled.LONG_PROMPTS_FROM
    late = [r for r in runs if not r.decode and int(r.model_id.rsplit("-", 1)[1]) >= index]
    early = [r for r in runs if not r.decode and int(r.model_id.rsplit("-", 1)[1]) < index]
    assert len(late) == 2 * len(sampled.FAMILIES)
    assert all(r.tokens in sampled.LONG_LENGTHS and r.batch_size == 1 for r in late), late
    assert all(sampled.run_graph(r).macs <= sampled.MAX_LONG_MACS for r in late)
    assert sorted(r.tokens for r in early)[len(early) // 2] < min(sampled.LONG_LENGTHS)  # why they exist
