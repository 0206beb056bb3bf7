"""Hugging Face config.json -> ModelGraph, checked against transformers itself: tiny models of
each supported model_type are built with torch (random weights), their config written as
config.json, and our params must equal `num_parameters()` exactly; our MACs must equal a count
of the products torch actually runs in a forward pass (linear, matmul, addmm, conv2d), taken
with a TorchFunctionMode that sees torch's calls, not our code."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from energy_lint.graph import read_model

pytestmark = pytest.mark.keras

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

TOKENS = 16
SMALL = {
    "vocab_size": 101,
    "hidden_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 128,
}
GQA = {**SMALL, "num_key_value_heads": 2}
# name: (config class, model class, config arguments). Which count is matched: the causal LMs
# with their head (a tied head counted once, as num_parameters does); BertModel with its pooler;
# ViTModel without its pooler (the backbone). Sliding windows are wider than TOKENS here: the
# eager attention computes the masked products anyway (test_decode_window checks the window).
CASES = {
    "llama": ("LlamaConfig", "LlamaForCausalLM", GQA),
    "llama-tied": ("LlamaConfig", "LlamaForCausalLM", {**GQA, "tie_word_embeddings": True}),
    "mistral": ("MistralConfig", "MistralForCausalLM", {**GQA, "sliding_window": 32}),
    "qwen2": ("Qwen2Config", "Qwen2ForCausalLM", GQA),
    "qwen3": ("Qwen3Config", "Qwen3ForCausalLM", {**GQA, "head_dim": 32}),
    "phi3": ("Phi3Config", "Phi3ForCausalLM", {**GQA, "pad_token_id": 0}),
    "gemma": ("GemmaConfig", "GemmaForCausalLM", {**SMALL, "num_key_value_heads": 1, "head_dim": 16}),
    "gemma2": ("Gemma2Config", "Gemma2ForCausalLM", {**GQA, "head_dim": 16, "sliding_window": 32}),
    "gemma3": ("Gemma3TextConfig", "Gemma3ForCausalLM", {**GQA, "head_dim": 16, "sliding_window": 32}),
    "gpt2": (
        "GPT2Config",
        "GPT2LMHeadModel",
        {"vocab_size": 101, "n_embd": 64, "n_layer": 2, "n_head": 4, "n_positions": 32},
    ),
    "bert": ("BertConfig", "BertModel", {**SMALL, "max_position_embeddings": 32}),
    "vit": ("ViTConfig", "ViTModel", {**SMALL, "image_size": 32, "patch_size": 8, "num_channels": 3}),
}


def _model(name: str):
    config_class, model_class, arguments = CASES[name]
    config = getattr(transformers, config_class)(**arguments, attn_implementation="eager")
    extra = {"add_pooling_layer": False} if name == "vit" else {}
    torch.manual_seed(0)
    return getattr(transformers, model_class)(config, **extra).eval()


class _CountMacs(torch.overrides.TorchFunctionMode):
    """Multiply-accumulates of the products torch runs; outer products (inner size 1, the
    rotary tables) and element-wise work are not products of weights or activations."""

    def __init__(self) -> None:
        super().__init__()
        self.macs = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name == "linear":
            x, weight = args[0], args[1]
            self.macs += math.prod(x.shape[:-1]) * weight.shape[1] * weight.shape[0]
        elif name in ("matmul", "__matmul__", "bmm"):
            a, b = args[0], args[1]
            if a.shape[-1] > 1:
                batch = torch.broadcast_shapes(a.shape[:-2], b.shape[:-2])
                self.macs += math.prod(batch) * a.shape[-2] * a.shape[-1] * b.shape[-1]
        elif name == "addmm":
            a, b = args[1], args[2]
            self.macs += a.shape[0] * a.shape[1] * b.shape[1]
        elif name == "conv2d":
            x, weight = args[0], args[1]
            out = func(*args, **kwargs)
            self.macs += out.numel() // out.shape[0] * weight.shape[1] * weight.shape[2] * weight.shape[3]
            return out
        return func(*args, **kwargs)


def _config_json(model, directory: Path) -> Path:
    path = directory / "config.json"
    model.config.to_json_file(path, use_diff=False)
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_params_match_num_parameters(name: str, tmp_path: Path) -> None:
    model = _model(name)
    graph = read_model(_config_json(model, tmp_path))
    assert graph.params == model.num_parameters()


@pytest.mark.parametrize("name", sorted(CASES))
def test_macs_match_torch_forward(name: str, tmp_path: Path) -> None:
    from energy_lint.graph.architectures import resized

    model = _model(name)
    graph = read_model(_config_json(model, tmp_path))
    if name == "vit":
        inputs = {"pixel_values": torch.zeros(1, 3, 32, 32)}
    else:
        graph = resized(graph, TOKENS)  # type: ignore[arg-type]
        inputs = {"input_ids": torch.randint(1, 100, (1, TOKENS))}
    counter = _CountMacs()
    with torch.no_grad(), counter:
        model(**inputs)
    assert counter.macs > 0
    assert graph.macs == counter.macs


def test_unknown_model_type_names_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"model_type": "mamba", "hidden_size": 64}')
    from energy_lint.errors import ModelReadError

    with pytest.raises(ModelReadError) as error:
        read_model(path)
    message = str(error.value)
    assert "'mamba' is not supported" in message and "llama" in message and "\n" not in message


def test_a_quantized_checkpoint_is_said_to_be_priced_as_float(tmp_path: Path) -> None:
    """An AWQ checkpoint's config.json carries quantization_config: its params and MACs are the
    float model's, and the reader says its kernels are not what the profile measured."""
    config = {"model_type": "llama", **GQA}
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(config))
    quantized = tmp_path / "awq.json"
    awq = {"bits": 4, "group_size": 128, "quant_method": "awq", "zero_point": True}
    quantized.write_text(json.dumps({**config, "quantization_config": awq}))
    float_graph, awq_graph = read_model(plain), read_model(quantized)
    assert (awq_graph.params, awq_graph.macs) == (float_graph.params, float_graph.macs)
    said = "quantization_config (awq, 4-bit) is not modelled: priced as the unquantized model"
    assert [note for note in awq_graph.notes if note.startswith(said)]
    assert not [note for note in float_graph.notes if "quantization" in note]
