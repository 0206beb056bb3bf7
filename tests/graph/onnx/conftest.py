"""ONNX files exported from torch models (weights=None) once per session, with the torch model
kept beside them so that tests compare against torch's own counts."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")


def export(model, example, path: Path, **options) -> Path:
    """The TorchScript exporter (the dynamo one needs onnxscript). Weights are drawn at random
    first: the exporter merges initializers of equal value (zero biases), which would make the
    file hold fewer weights than the model; constant folding off keeps batch norms unfused."""
    model.eval()
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for tensor in [*model.parameters(), *model.buffers()]:
            if tensor.is_floating_point():
                tensor.copy_(torch.rand(tensor.shape, generator=generator) + 0.5)
        torch.onnx.export(model, example, str(path), dynamo=False, do_constant_folding=False, **options)
    return path


def conv_linear_macs(model, example) -> int:
    """An independent count, read from torch modules as they run: Conv2d = output elements x
    kernel elements x in_channels / groups, Linear = output elements x in_features."""
    total = 0

    def hook(module, inputs, output):
        nonlocal total
        if isinstance(module, torch.nn.Conv2d):
            kernel = module.kernel_size[0] * module.kernel_size[1]
            total += output.numel() * kernel * module.in_channels // module.groups
        elif isinstance(module, torch.nn.Linear):
            total += output.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    with torch.no_grad():
        model.eval()(example)
    for handle in handles:
        handle.remove()
    return total


@pytest.fixture(scope="session")
def torchvision_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("onnx-torchvision")
    example = torch.zeros(1, 3, 64, 64)
    models = {}
    for name in ("resnet18", "mobilenet_v2", "squeezenet1_0", "shufflenet_v2_x0_5"):
        model = getattr(torchvision.models, name)(weights=None)
        # ShuffleNet as most exports are written, with a free batch: its channel shuffles are
        # then sized by shape computations that chain from block to block.
        free = {"input_names": ["x"], "dynamic_axes": {"x": {0: "batch"}}} if "shuffle" in name else {}
        path = export(model, example, folder / f"{name}.onnx", **free)
        models[name] = (model, path, conv_linear_macs(model, example))
    return models


@pytest.fixture(scope="session")
def transformer_block(tmp_path_factory):
    layer = torch.nn.TransformerEncoderLayer(
        d_model=64, nhead=4, dim_feedforward=128, batch_first=True, dropout=0.0
    )
    block = torch.nn.Sequential(layer)  # a one-argument forward for the exporter's tracer
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)  # the fused kernel has no ONNX export
    folder = tmp_path_factory.mktemp("onnx-block")
    try:
        path = export(block, torch.zeros(1, 16, 64), folder / "block.onnx")
        # As most exports are written: a free batch, which the attention reshapes compute from
        # Shape -> Gather -> Mod -> Concat chains.
        export(block, torch.zeros(1, 16, 64), folder / "block-free-batch.onnx", input_names=["x"],
               dynamic_axes={"x": {0: "batch"}})  # fmt: skip
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
    return layer, path


@pytest.fixture(scope="session")
def hugging_face_bert(tmp_path_factory):
    """A two-layer Hugging Face BertModel (random weights) exported as the hub's encoders are,
    token ids in, with a free batch: its position ids come from an `expand` torch writes as a
    Where over a computed shape."""
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(
        vocab_size=1000, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=256, max_position_embeddings=128,
    )  # fmt: skip
    model = transformers.BertModel(config, add_pooling_layer=False)

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, ids):
            return self.bert(input_ids=ids).last_hidden_state

    path = tmp_path_factory.mktemp("onnx-bert") / "bert.onnx"
    export(Encoder(), torch.zeros(1, 32, dtype=torch.int64), path, input_names=["ids"],
           dynamic_axes={"ids": {0: "batch"}})  # fmt: skip
    return model, config, path
