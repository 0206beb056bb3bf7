"""Export the models an onnxruntime calibration profiles: torchvision architectures with random
weights (weights=None), each at the input sizes below, through torch.onnx.export with a free
batch dimension. The files are large and rebuilt on demand, never committed.

    python calibration/export_onnx_models.py [OUT_DIR]     # default calibration/onnx-models/
    python -m energy_lint calibrate --name NAME --in-context --models calibration/onnx-models \\
        --measurements calibration/NAME/measurements.csv --budget 40m

Needs torch and torchvision (the test extras)."""

from __future__ import annotations

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
    example = torch.randn(1, 3, side, side)
    staging = path.with_suffix(".part")
    torch.onnx.export(
        model,
        (example,),
        str(staging),
        dynamo=False,
        input_names=["image"],
        output_names=["logits"],
        dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=17,
    )
    staging.rename(path)
    return path


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path(__file__).parent / "onnx-models"
    out.mkdir(parents=True, exist_ok=True)
    for name, sides in MODELS.items():
        for side in sides:
            path = export(name, side, out)
            print(f"{path} {path.stat().st_size / 1e6:.1f} MB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
