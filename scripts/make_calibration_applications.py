"""Write calibration/models/applications/: more keras.applications architectures (JSON config,
no weights) beside examples/, so that whole-model calibration spans at least 30 architectures
and several members of each family (ResNets, DenseNets, EfficientNets...) for held-out tests.

    .venv-test/bin/python scripts/make_calibration_applications.py
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras

OUT = Path(__file__).resolve().parent.parent / "calibration" / "models" / "applications"
A = keras.applications

MODELS = [
    ("resnet101", A.ResNet101, {}),
    ("resnet152", A.ResNet152, {}),
    ("resnet101v2", A.ResNet101V2, {}),
    ("vgg19", A.VGG19, {}),
    ("densenet169", A.DenseNet169, {}),
    ("densenet201", A.DenseNet201, {}),
    ("efficientnet_b1", A.EfficientNetB1, {}),
    ("efficientnet_b3", A.EfficientNetB3, {}),
    ("efficientnet_v2_s", A.EfficientNetV2S, {}),
    ("mobilenet_v3_large", A.MobileNetV3Large, {"input_shape": (224, 224, 3)}),
    ("convnext_small", A.ConvNeXtSmall, {}),
    ("inception_resnet_v2", A.InceptionResNetV2, {}),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, constructor, kwargs in MODELS:
        model = constructor(weights=None, **kwargs)
        path = OUT / f"{name}.json"
        path.write_text(model.to_json() + "\n")
        print(f"{path.name}: {model.count_params():,} params, {path.stat().st_size >> 10} KiB")
        keras.backend.clear_session()


if __name__ == "__main__":
    main()
