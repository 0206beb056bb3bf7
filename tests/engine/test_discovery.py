"""Discovery in a searched directory: a Hugging Face config.json and a Keras JSON config are
model files; the other JSON a model repository holds (tokenizer, generation config) is not."""

from __future__ import annotations

import json
from pathlib import Path

from energy_lint.engine.discovery import discover

REPO = Path(__file__).resolve().parents[2]


def test_a_hugging_face_config_is_found_and_other_json_is_not(tmp_path: Path) -> None:
    hub = tmp_path / "llama"
    hub.mkdir()
    (hub / "config.json").write_text(json.dumps({"model_type": "llama", "hidden_size": 64}))
    (hub / "tokenizer_config.json").write_text(json.dumps({"bos_token": "<s>", "model_max_length": 4096}))
    (hub / "generation_config.json").write_text(json.dumps({"bos_token_id": 1, "max_length": 4096}))
    (tmp_path / "vgg16.json").write_text((REPO / "examples" / "vgg16.json").read_text())
    found, errors = discover([tmp_path])
    assert sorted(path.relative_to(tmp_path).as_posix() for path in found) == [
        "llama/config.json",
        "vgg16.json",
    ]
    assert errors == []
