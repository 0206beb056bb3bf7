"""Published config.json files read as their models' published parameter counts: Llama-2-70B
68,976,648,192 and Llama-3-70B 70,553,706,496 (transformers' num_parameters() of the
meta-llama checkpoints), GPT-2 124,439,808 (GPT2LMHeadModel, tied head)."""

from __future__ import annotations

from pathlib import Path

import pytest

from energy_lint.graph import read_model

CONFIGS = Path(__file__).parent / "configs"


@pytest.mark.parametrize(
    ("name", "params"),
    [("llama-2-70b.json", 68_976_648_192), ("llama-3-70b.json", 70_553_706_496), ("gpt2.json", 124_439_808)],
)
def test_published_parameter_counts(name: str, params: int) -> None:
    assert read_model(CONFIGS / name).params == params


SHAPED_AS_PUBLISHED = sorted(
    path.name for path in CONFIGS.glob("*.json") if path.name not in {"llama-2-70b.json", "gpt2.json"}
)
"""config.json files with the fields of the hub's checkpoints of those names (rope_scaling of
Llama 3.1 and Phi-3 128k, sliding windows, head_dim, tied embeddings, max_window_layers)."""


@pytest.mark.parametrize("name", SHAPED_AS_PUBLISHED)
def test_published_shapes_match_transformers(name: str) -> None:
    """transformers builds each on the meta device (no weights): its num_parameters() is the
    count a user compares with."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    import json

    config = transformers.AutoConfig.for_model(**json.loads((CONFIGS / name).read_text()))
    with torch.device("meta"):
        model = transformers.AutoModelForCausalLM.from_config(config)
    assert read_model(CONFIGS / name).params == model.num_parameters()
