"""The generation workload: prefill, decode steps with a key/value cache, per-token figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from energy_lint.estimation.forward_pass import estimate
from energy_lint.estimation.generation import MAX_EXACT_STEPS, Workload, estimate_generation
from energy_lint.estimation.profile import find_profile, load_profile
from energy_lint.graph import read_model
from energy_lint.graph.architectures import describe, resized
from energy_lint.graph.architectures.base import ATTENTION_CORE, decode_nodes
from tests.check_cli import CPU_PROFILE

CONFIGS = Path(__file__).parents[1] / "graph" / "architectures" / "configs"
MISTRAL = {
    "model_type": "mistral",
    "vocab_size": 32000,
    "hidden_size": 512,
    "intermediate_size": 1536,
    "num_hidden_layers": 4,
    "num_attention_heads": 8,
    "num_key_value_heads": 2,
    "sliding_window": 64,
}


@pytest.fixture(scope="module")
def profile():
    return load_profile(find_profile(CPU_PROFILE))


def _generation(path: Path, profile, prompt: int, generated: int):
    graph = resized(read_model(path), prompt)  # type: ignore[arg-type]
    return estimate_generation(graph, profile, estimate(graph, profile), Workload(prompt, generated))


def _config(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


def test_a_decode_step_projects_one_token_and_attends_to_the_whole_context() -> None:
    spec = describe(json.loads((CONFIGS / "llama-2-70b.json").read_text()))
    step = decode_nodes(spec, 1, 300)
    query = next(node for node in step if node.name == "layers.0.attention.query")
    core = next(node for node in step if node.name == "layers.0.attention.core")
    assert query.input_shapes == [(1, 1, 8192)]
    assert core.input_shapes == [(1, 1, 8192), (1, 300, 8192)]
    assert sum(node.type == ATTENTION_CORE for node in step) == 80


def test_prefill_attention_grows_with_the_square_of_the_prompt_and_params_do_not_change() -> None:
    graph = read_model(CONFIGS / "gpt2.json")
    short, long = resized(graph, 100), resized(graph, 200)  # type: ignore[arg-type]
    core = [node.macs for node in short.layers if node.type == ATTENTION_CORE]
    core_long = [node.macs for node in long.layers if node.type == ATTENTION_CORE]
    assert [4 * macs for macs in core] == core_long
    assert short.params == long.params


def test_decode_attention_costs_more_in_a_longer_context(profile) -> None:
    short = _generation(CONFIGS / "gpt2.json", profile, 16, 8)
    long = _generation(CONFIGS / "gpt2.json", profile, 1000, 8)
    assert long.decode_by_type[ATTENTION_CORE] > short.decode_by_type[ATTENTION_CORE]
    assert long.prefill_j > short.prefill_j


def test_a_sliding_window_caps_what_a_decode_step_reads(profile, tmp_path: Path) -> None:
    path = _config(tmp_path, MISTRAL)
    near = _generation(path, profile, 1000, 4)
    far = _generation(path, profile, 4000, 4)
    assert near.decode_j == pytest.approx(far.decode_j, rel=1e-12)
    unlimited = _config(tmp_path, {**MISTRAL, "sliding_window": None})
    assert _generation(unlimited, profile, 4000, 4).decode_by_type[ATTENTION_CORE] != pytest.approx(
        far.decode_by_type[ATTENTION_CORE]
    )


def test_sampled_steps_agree_with_pricing_every_step_where_steps_cost_the_same(
    profile, tmp_path: Path
) -> None:
    """Past the window every step costs the same, so the interpolated sum must be exact."""
    path = _config(tmp_path, MISTRAL)
    few = _generation(path, profile, 1000, 10)
    many = _generation(path, profile, 1000, 4 * MAX_EXACT_STEPS)
    assert few.exact and not many.exact
    assert many.per_token_j == pytest.approx(few.per_token_j, rel=1e-9)


def test_an_encoder_has_no_decode_phase(profile, tmp_path: Path) -> None:
    bert = {"model_type": "bert", "vocab_size": 30522, "hidden_size": 256, "num_hidden_layers": 2}
    bert |= {"num_attention_heads": 4, "intermediate_size": 1024}
    generation = _generation(_config(tmp_path, bert), profile, 128, 64)
    assert generation.generated_tokens == 0 and generation.decode_j == 0.0
    assert generation.per_token_j == pytest.approx(generation.prefill_j / 128)
    assert generation.per_1000_tokens_j == pytest.approx(1000 * generation.prefill_j / 128)


def test_per_1000_tokens_counts_prompt_and_generated_tokens(profile) -> None:
    generation = _generation(CONFIGS / "gpt2.json", profile, 64, 32)
    assert generation.per_1000_tokens_j == pytest.approx(
        1000 * (generation.prefill_j + generation.decode_j) / 96
    )
    assert generation.per_token_j == pytest.approx(generation.decode_j / 32)


def test_a_keras_graph_has_no_generation(profile) -> None:
    graph = read_model(Path(__file__).parents[2] / "examples" / "mobilenet.json")
    assert estimate_generation(graph, profile, estimate(graph, profile), Workload(8, 8)) is None


def test_a_tied_head_carries_no_params_of_its_own() -> None:
    graph = read_model(CONFIGS / "gpt2.json")
    head = graph.layers[-1]
    assert head.name == "output" and head.params == 0 and head.macs == 128 * 768 * 50257


def test_a_billion_generated_tokens_are_priced_without_a_billion_steps(profile) -> None:
    few = _generation(CONFIGS / "gpt2.json", profile, 64, 4 * 128)
    many = _generation(CONFIGS / "gpt2.json", profile, 64, 1_000_000_000)
    assert not many.exact and many.decode_j > few.decode_j
    assert many.per_token_j > 0
