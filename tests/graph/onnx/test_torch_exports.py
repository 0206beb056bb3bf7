"""Models exported by torch.onnx.export read with torch's parameter count and MACs."""

from __future__ import annotations

import pytest

from energy_lint.graph import read_model

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.slow


def _state_elements(model) -> int:
    """Parameters plus batch-norm running statistics: what an exported eval-mode model holds
    as weights (Keras counts a BatchNormalization's moving mean and variance as params too)."""
    buffers = sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
    return sum(p.numel() for p in model.parameters()) + buffers


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2", "squeezenet1_0", "shufflenet_v2_x0_5"])
def test_torchvision_params_and_macs(torchvision_models, name: str) -> None:
    """ShuffleNet's channel shuffles are sized by a chain of shape computations block after block,
    each folded only once the one before it is: more rounds of folding than eight."""
    model, path, macs = torchvision_models[name]
    graph = read_model(path)
    assert graph.unknown_layers == []
    assert graph.params == _state_elements(model)
    assert abs(graph.macs - macs) <= 0.01 * macs
    assert graph.input_shapes == [(1, 3, 64, 64)]


def test_transformer_block_params_and_macs(transformer_block) -> None:
    layer, path = transformer_block
    graph = read_model(path)
    assert graph.params == sum(p.numel() for p in layer.parameters())
    steps, width, hidden = 16, layer.self_attn.embed_dim, layer.linear1.out_features
    projections = 4 * steps * width * width  # query, key, value and output
    attention = 2 * steps * steps * width  # scores and their weighted sum, over all heads
    feed_forward = 2 * steps * width * hidden
    expected = projections + attention + feed_forward
    assert abs(graph.macs - expected) <= 0.01 * expected
    priced = {layer.keras_class for layer in graph.layers if layer.type == "MatMul"}
    assert "Dot" in priced  # the attention products of two activations


def test_a_transformer_block_with_a_free_batch_has_every_shape(transformer_block) -> None:
    _, path = transformer_block
    fixed = read_model(path)
    free = read_model(path.with_name("block-free-batch.onnx"), batch_size=3)
    assert free.unknown_layers == []  # no "shape unknown after ONNX shape inference"
    assert free.batch_size == 3
    assert free.macs == fixed.macs  # per sample


@pytest.mark.parametrize("batch", [1, 2])
def test_a_hugging_face_encoder_has_every_shape_params_and_macs(hugging_face_bert, batch: int) -> None:
    """At batch 1 ONNX's own shape inference cannot follow the Where torch writes for an expand."""
    model, config, path = hugging_face_bert
    graph = read_model(path, batch_size=batch)
    assert graph.unknown_layers == []
    assert graph.params == sum(p.numel() for p in model.parameters())
    steps, width, hidden = 32, config.hidden_size, config.intermediate_size
    per_layer = 4 * steps * width * width + 2 * steps * steps * width + 2 * steps * width * hidden
    expected = config.num_hidden_layers * per_layer
    assert abs(graph.macs - expected) <= 0.01 * expected
