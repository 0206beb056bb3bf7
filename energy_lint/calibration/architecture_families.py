"""Which architectures are one family, so that calibration holds them out together.

An error measured on ResNet101 by predictors that saw ResNet50's layers, or on rand-cnn-0042 by
predictors that saw rand-cnn-0041, is the error of a near copy, not of a new architecture: the
whole-model correction, its interval and the benchmarks are judged one family at a time."""

from __future__ import annotations

import re

KNOWN_FAMILIES: dict[str, tuple[str, ...]] = {
    "resnet": (
        "resnet50",
        "resnet50v2",
        "resnet101",
        "resnet152",
        "resnet101v2",
        "resnet152v2",
        "resnet18",
        "resnet34",
        "wide_resnet50_2",
    ),
    "resnext": ("resnext50_32x4d",),
    "regnet": ("regnet_x_400mf", "regnet_y_800mf"),
    "squeezenet": ("squeezenet1_0", "squeezenet1_1"),
    "shufflenet": ("shufflenet_v2_x1_0", "shufflenet_v2_x0_5"),
    "mnasnet": ("mnasnet1_0", "mnasnet0_5"),
    "alexnet": ("alexnet",),
    "vgg": ("vgg16", "vgg19", "vgg11"),
    "mobilenet": ("mobilenet", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large"),
    "efficientnet": (
        "efficientnet_b0",
        "efficientnet_b1",
        "efficientnet_b3",
        "efficientnet_v2_b0",
        "efficientnet_v2_s",
    ),
    "densenet": ("densenet121", "densenet169", "densenet201"),
    "inception": ("inception_v3", "xception", "inception_resnet_v2", "googlenet"),
    "nasnet": ("nasnet_mobile",),
    "convnext": ("convnext_tiny", "convnext_small"),
    "transformer": ("transformer_encoder", "transformer_small", "vit_small", "vit_b_16", "vit_b_32"),
    "swin": ("swin_t", "swin_v2_t"),
    "recurrent": ("lstm_classifier", "gru_bidirectional", "lstm_seq2seq"),
    "conv1d": ("conv1d_audio", "text_cnn"),
    "conv3d": ("conv3d_video",),
    "decoder": ("conv_decoder", "unet_small"),
}
"""keras.applications, torchvision and the suite's own architectures by family. An architecture
not named here is its own family."""

_FAMILY_OF = {model: family for family, models in KNOWN_FAMILIES.items() for model in models}


def architecture_family(architecture: str) -> str:
    """The family of an architecture id: a sampled one (`rand-cnn-0042`) by its id without the
    sample number, a known one by the table above, any other by its own id. A trailing `~`
    (a variant the campaign marks) is the same architecture."""
    base = re.sub(r"-\d+$", "", architecture.rstrip("~"))
    return _FAMILY_OF.get(base, base)
