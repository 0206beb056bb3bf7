"""Export the models an onnxruntime calibration profiles: torchvision architectures with random
weights (weights=None), each at the input sizes below, and the first SAMPLED architectures of
each family of calibration/architectures/ that torch's exporter takes (Keras models run on
Keras' torch backend), and sampled torch-native families (transformer encoders and MLPs, whose
Keras counterparts do not export) and Hugging Face BERT and DistilBERT encoders of sampled
configurations, through torch.onnx.export with a free batch dimension. The
files are large and rebuilt on demand, never committed.

    python calibration/export_onnx_models.py [OUT_DIR] [--sampled N]   # default onnx-models/, 15
    python -m energy_lint calibrate --name NAME --in-context --models calibration/onnx-models \\
        --measurements calibration/NAME/measurements.csv --budget 40m

Needs torch, torchvision and transformers (the test extras)."""

from __future__ import annotations

import itertools
import os
import random
import sys
from pathlib import Path
from typing import Any

MODELS: dict[str, tuple[int, ...]] = {
    "resnet18": (224, 160),
    "resnet34": (224,),
    "resnet50": (224,),
    "resnext50_32x4d": (224,),
    "wide_resnet50_2": (160,),
    "mobilenet_v2": (224, 160),
    "mobilenet_v3_small": (224,),
    "mobilenet_v3_large": (224,),
    "efficientnet_b0": (224,),
    "efficientnet_b1": (240,),
    "regnet_x_400mf": (224,),
    "regnet_y_800mf": (224,),
    "convnext_tiny": (224,),
    "squeezenet1_0": (224,),
    "squeezenet1_1": (224,),
    "shufflenet_v2_x1_0": (224,),
    "shufflenet_v2_x0_5": (224,),
    "densenet121": (224,),
    "vgg11": (224,),
    "vgg16": (224,),
    "alexnet": (224,),
    "mnasnet1_0": (224,),
    "mnasnet0_5": (224,),
    "googlenet": (224,),
    "vit_b_16": (224,),
    "vit_b_32": (224,),
    "swin_t": (224,),
    "swin_v2_t": (224,),
    "maxvit_t": (224,),
}
"""torchvision name -> input sides. A file is named NAME-SIDE.onnx: its model id, whose family
benchmarks/accuracy.py reads off the name."""


SAMPLED_FAMILIES = ("rand-cnn", "rand-rescnn", "rand-sepcnn", "rand-groupcnn", "rand-mlp")
"""Sampled families torch's exporter takes: rand-rnn's loops are unrolled into thousands of
nodes, and Keras' LayerNormalization on the torch backend fails to export (Keras 3.15, torch
2.14), which leaves out rand-transformer and the ConvNeXt blocks of rand-groupcnn."""


def _torch(module: object, example: object, path: Path) -> None:
    import torch

    staging = path.with_suffix(".part")
    torch.backends.mha.set_fastpath_enabled(False)  # its fused attention kernel has no ONNX export
    torch.onnx.export(
        module,
        (example,),
        str(staging),
        dynamo=False,
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
        opset_version=17,
    )
    staging.rename(path)


def export_sampled(config: Path, out: Path) -> Path:
    """A sampled Keras architecture (a model config JSON) built on Keras' torch backend, random
    weights, exported as the torch module it is."""
    import keras
    import torch

    path = out / f"{config.stem}.onnx"
    if not path.exists():
        torch.manual_seed(0)
        model = keras.models.model_from_json(config.read_text())
        _torch(model, torch.randn(1, *model.inputs[0].shape[1:]), path)
    return path


TORCH_FAMILIES = ("torch-transformer", "torch-mlp", "hf-bert", "hf-distilbert")
"""Sampled in torch itself (`torch-transformer-0003` is the fourth of its family), or as
Hugging Face encoders built from a sampled configuration with random weights."""
MAX_SAMPLE_MACS = 2e9
"""Per sample: a drawn architecture over it is drawn again, so that a run stays short."""


def _encoder_macs(layers: int, steps: int, width: int, hidden: int) -> int:
    """MACs of an encoder stack per sample: q, k, v and output projections, the feed-forward
    pair, and the attention scores with their weighted sum."""
    return layers * (steps * (4 * width * width + 2 * width * hidden) + 2 * steps * steps * width)


def _transformer(rng: random.Random) -> tuple[Any, tuple[int, ...]]:
    """A stack of nn.TransformerEncoderLayer (batch first) with a linear head on the mean token."""
    import torch
    from torch import nn

    while True:
        width = rng.choice((64, 96, 128, 192, 256, 384, 512, 768))
        heads = rng.choice([h for h in (2, 4, 8, 12) if width % h == 0])
        hidden = width * rng.choice((2, 4))
        layers, steps = rng.randint(1, 4), rng.choice((16, 32, 64, 128, 197, 256))
        if _encoder_macs(layers, steps, width, hidden) <= MAX_SAMPLE_MACS:
            break
    activation = rng.choice(("relu", "gelu"))

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            block = nn.TransformerEncoderLayer(
                width, heads, hidden, dropout=0.0, activation=activation, batch_first=True
            )
            self.encoder = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
            self.head = nn.Linear(width, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.encoder(x).mean(dim=1))

    return Encoder(), (steps, width)


def _mlp(rng: random.Random) -> tuple[Any, tuple[int, ...]]:
    """Linear layers of log-uniform widths with a drawn activation between them."""
    from torch import nn

    while True:
        widths = [int(2 ** rng.uniform(4, 12)) for _ in range(rng.randint(3, 7))]
        macs = sum(a * b for a, b in itertools.pairwise(widths))
        if macs <= MAX_SAMPLE_MACS:
            break
    activation = rng.choice((nn.ReLU, nn.GELU, nn.Tanh))
    layers: list[Any] = []
    for a, b in itertools.pairwise(widths):
        layers += [nn.Linear(a, b), activation()]
    return nn.Sequential(*layers[:-1]), (widths[0],)


def _encoder(rng: random.Random, kind: str) -> tuple[Any, tuple[int, ...]]:
    """A Hugging Face BERT or DistilBERT encoder of sampled width, depth, heads and sequence
    length (random weights), returning its last hidden state for token ids: attention as the
    hub's encoders export it, beside torch's own nn.TransformerEncoderLayer."""
    import torch
    import transformers

    while True:
        width = rng.choice((64, 128, 192, 256, 384, 512, 768))
        heads = rng.choice([h for h in (2, 4, 8, 12) if width % h == 0])
        hidden, layers = width * 4, rng.randint(1, 4)
        steps = rng.choice((16, 32, 64, 128, 256, 384, 512))
        if _encoder_macs(layers, steps, width, hidden) <= MAX_SAMPLE_MACS:
            break
    vocabulary = rng.choice((1000, 8000, 30522))
    if kind == "hf-bert":
        config: Any = transformers.BertConfig(
            vocab_size=vocabulary,
            hidden_size=width,
            num_hidden_layers=layers,
            num_attention_heads=heads,
            intermediate_size=hidden,
            max_position_embeddings=512,
        )
        encoder: Any = transformers.BertModel(config, add_pooling_layer=False)
    else:
        config = transformers.DistilBertConfig(
            vocab_size=vocabulary, dim=width, n_layers=layers, n_heads=heads, hidden_dim=hidden
        )
        encoder = transformers.DistilBertModel(config)

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            return self.encoder(input_ids=ids).last_hidden_state

    return Encoder(), (steps,)


def export_torch_sampled(family: str, index: int, out: Path) -> Path:
    """Architecture `index` of a torch-native family: drawn from (family, index) alone."""
    import torch

    path = out / f"{family}-{index:04d}.onnx"
    if not path.exists():
        torch.manual_seed(index)
        rng = random.Random(f"{family}-{index}")
        if family.startswith("hf-"):
            model, shape = _encoder(rng, family)
            example = torch.zeros((1, *shape), dtype=torch.int64)
        else:
            model, shape = (_transformer if family == "torch-transformer" else _mlp)(rng)
            example = torch.randn(1, *shape)
        _torch(model.eval(), example, path)
    return path


def export(name: str, side: int, out: Path) -> Path:
    import torch
    import torchvision

    path = out / f"{name}-{side}.onnx"
    if path.exists():
        return path
    torch.manual_seed(0)
    options = {"aux_logits": False, "init_weights": True} if name == "googlenet" else {}
    model = getattr(torchvision.models, name)(weights=None, **options).eval()
    if name.startswith("vit"):
        model = getattr(torchvision.models, name)(weights=None, image_size=side).eval()
    _torch(model, torch.randn(1, 3, side, side), path)
    return path


def main(argv: list[str]) -> int:
    sampled = 15
    if "--sampled" in argv:
        at = argv.index("--sampled")
        sampled = int(argv[at + 1])
        del argv[at : at + 2]
    out = Path(argv[0]) if argv else Path(__file__).parent / "onnx-models"
    out.mkdir(parents=True, exist_ok=True)
    paths = [export(name, side, out) for name, sides in MODELS.items() for side in sides]
    architectures = Path(__file__).parent / "architectures"
    for family in SAMPLED_FAMILIES:
        for config in sorted(architectures.glob(f"{family}-*.json"))[:sampled]:
            try:
                paths.append(export_sampled(config, out))
            except Exception as error:  # the exporter refuses some Keras ops (LayerNormalization)
                print(f"skipped {config.name}: {type(error).__name__}", flush=True)
    for family in TORCH_FAMILIES:
        paths += [export_torch_sampled(family, index, out) for index in range(sampled)]
    for path in paths:
        print(f"{path} {path.stat().st_size / 1e6:.1f} MB", flush=True)
    return 0


if __name__ == "__main__":
    os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported: its models become torch modules
    sys.exit(main(sys.argv[1:]))
