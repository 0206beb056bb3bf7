"""A configuration the registry cannot use is one line naming the file and the key; nothing
is guessed and no hostile value makes the reader loop or allocate without bound."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from energy_lint.errors import ModelReadError
from energy_lint.graph import read_model

LLAMA = json.loads((Path(__file__).parent / "configs" / "llama-2-70b.json").read_text())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"num_hidden_layers": 2**31 - 1}, "more than 10000 layers"),
        ({"hidden_size": "8192"}, "'hidden_size' must be a positive integer"),
        ({"hidden_size": 8191}, "not divisible by num_attention_heads"),
        ({"vocab_size": None}, "has no 'vocab_size'"),
        ({"tie_word_embeddings": "yes"}, "'tie_word_embeddings' must be true or false"),
        ({"model_type": "mamba"}, "'mamba' is not supported"),
    ],
)
def test_bad_values_are_one_line_naming_the_key(change: dict, message: str, tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**LLAMA, **change}))
    with pytest.raises(ModelReadError) as error:
        read_model(path)
    text = str(error.value)
    assert message in text and str(path) in text and "\n" not in text
