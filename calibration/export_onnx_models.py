"""Export the models an onnxruntime calibration profiles: torchvision architectures with random
weights (weights=None), each at the input sizes below, and the first SAMPLED architectures of
each family of calibration/architectures/ that torch's exporter takes (Keras models run on
Keras' torch backend), through torch.onnx.export with a free batch dimension. The files are
large and rebuilt on demand, never committed.

    python calibration/export_onnx_models.py [OUT_DIR] [--sampled N]   # default onnx-models/, 15
    python -m energy_lint calibrate --name NAME --in-context --models calibration/onnx-models \\
        --measurements calibration/NAME/measurements.csv --budget 40m

Needs torch and torchvision (the test extras)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
    for path in paths:
        print(f"{path} {path.stat().st_size / 1e6:.1f} MB", flush=True)
    return 0


if __name__ == "__main__":
    os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported: its models become torch modules
    sys.exit(main(sys.argv[1:]))
