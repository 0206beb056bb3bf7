"""Write examples/: the architecture (JSON config, no weights) of a dozen keras.applications
models, small enough to commit. Rerun after a Keras upgrade:

    .venv-test/bin/python scripts/make_examples.py
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# (file name, constructor, keyword arguments): a spread of sizes and layer families.
MODELS = [
    ("resnet50", keras.applications.ResNet50, {}),
    ("resnet50v2", keras.applications.ResNet50V2, {}),
    ("vgg16", keras.applications.VGG16, {}),
    ("mobilenet", keras.applications.MobileNet, {}),
    ("mobilenet_v2", keras.applications.MobileNetV2, {}),
    ("mobilenet_v3_small", keras.applications.MobileNetV3Small, {"input_shape": (224, 224, 3)}),
    ("efficientnet_b0", keras.applications.EfficientNetB0, {}),
    ("efficientnet_v2_b0", keras.applications.EfficientNetV2B0, {}),
    ("densenet121", keras.applications.DenseNet121, {}),
    ("inception_v3", keras.applications.InceptionV3, {}),
    ("xception", keras.applications.Xception, {}),
    ("nasnet_mobile", keras.applications.NASNetMobile, {}),
    ("convnext_tiny", keras.applications.ConvNeXtTiny, {}),
]


def main() -> None:
    EXAMPLES.mkdir(exist_ok=True)
    for name, constructor, kwargs in MODELS:
        model = constructor(weights=None, **kwargs)
        path = EXAMPLES / f"{name}.json"
        path.write_text(model.to_json() + "\n")
        print(f"{path.name}: {model.count_params():,} params, {path.stat().st_size >> 10} KiB")
        keras.backend.clear_session()


if __name__ == "__main__":
    main()
