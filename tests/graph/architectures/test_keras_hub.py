"""KerasHub `.keras` backbones -> ModelGraph: tiny backbones of every supported class are built
with keras_hub and saved once per session; our params must equal keras_hub's count_params()
exactly, read from the saved file without running any of it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from energy_lint.errors import ModelReadError
from energy_lint.graph import read_model

pytestmark = pytest.mark.keras

SMALL = {"vocabulary_size": 101, "num_layers": 2, "hidden_dim": 64, "intermediate_dim": 128}
GQA = {**SMALL, "num_query_heads": 4, "num_key_value_heads": 2}
# file name: (keras_hub class, constructor arguments). Llama backbones are built untied: KerasHub
# 0.32 does not save their tie_word_embeddings, so a tied one reloads untied (Qwen's is saved).
CASES = {
    "bert": ("BertBackbone", {**SMALL, "num_heads": 4, "max_sequence_length": 32}),
    "gpt2": ("GPT2Backbone", {**SMALL, "num_heads": 4, "max_sequence_length": 32}),
    "gemma": ("GemmaBackbone", {**SMALL, "num_query_heads": 4, "num_key_value_heads": 1, "head_dim": 16}),
    "gemma2": (
        "GemmaBackbone",
        {
            **GQA,
            "head_dim": 16,
            "use_post_ffw_norm": True,
            "use_post_attention_norm": True,
            "use_sliding_window_attention": True,
            "sliding_window_size": 8,
        },
    ),
    "gemma3": (
        "Gemma3Backbone",
        {**GQA, "image_size": 32, "head_dim": 16, "use_post_ffw_norm": True, "use_post_attention_norm": True},
    ),
    "llama": ("LlamaBackbone", GQA),
    "llama3": ("Llama3Backbone", GQA),
    "mistral": ("MistralBackbone", {**GQA, "sliding_window": 8}),
    "qwen2": ("Qwen2Backbone", GQA),
    "qwen2-untied": ("Qwen2Backbone", {**GQA, "tie_word_embeddings": False}),
    "qwen3": ("Qwen3Backbone", {**GQA, "head_dim": 32, "tie_word_embeddings": False}),
    "phi3": ("Phi3Backbone", GQA),
    "vit": (
        "ViTBackbone",
        {
            "image_shape": (32, 32, 3),
            "patch_size": 8,
            "num_layers": 2,
            "num_heads": 4,
            "hidden_dim": 64,
            "mlp_dim": 128,
        },
    ),
}


@pytest.fixture(scope="session")
def backbones(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int]]:
    """Each backbone saved to .keras once, with keras_hub's own parameter count."""
    models = pytest.importorskip("keras_hub.models")
    directory = tmp_path_factory.mktemp("keras_hub")
    saved = {}
    for name, (class_name, arguments) in CASES.items():
        backbone = getattr(models, class_name)(**arguments)
        path = directory / f"{name}.keras"
        backbone.save(path)
        saved[name] = (path, backbone.count_params())
    llama = models.LlamaCausalLM(backbone=models.LlamaBackbone(**GQA), preprocessor=None)
    llama.save(directory / "llama_causal_lm.keras")
    saved["llama_causal_lm"] = (directory / "llama_causal_lm.keras", llama.count_params())
    return saved


def test_a_causal_lm_is_read_through_its_backbone(backbones: dict[str, tuple[Path, int]]) -> None:
    path, expected = backbones["llama_causal_lm"]
    graph = read_model(path)
    assert graph.params == expected
    assert graph.layers[-1].name == "output"


@pytest.mark.parametrize("name", sorted(CASES))
def test_params_match_count_params(name: str, backbones: dict[str, tuple[Path, int]]) -> None:
    path, expected = backbones[name]
    graph = read_model(path)
    assert graph.params == expected
    assert not graph.unknown_layers


def test_unknown_backbone_is_one_line_naming_the_known(
    backbones: dict[str, tuple[Path, int]], tmp_path: Path
) -> None:
    source, _ = backbones["llama"]
    path = tmp_path / "falcon.keras"
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(path, "w") as out:
        for item in archive.namelist():
            data = archive.read(item)
            if item == "config.json":
                config = json.loads(data)
                config["class_name"] = "FalconBackbone"
                config["registered_name"] = "keras_hub>FalconBackbone"
                data = json.dumps(config).encode()
            out.writestr(item, data)
    with pytest.raises(ModelReadError) as error:
        read_model(path)
    message = str(error.value)
    assert "'FalconBackbone' is not supported" in message
    assert "LlamaBackbone" in message and "\n" not in message
