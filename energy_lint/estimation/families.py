"""Predictor families: layer classes whose cost behaves alike share one predictor.

Calibration samples its suite per family, and `check` picks the predictor by family; a class in
no family is predicted by the generic predictor and said to be."""

from __future__ import annotations

from collections.abc import Iterable

from ..graph.layers import regularization

_FAMILIES: dict[str, tuple[str, ...]] = {
    "dense": ("Dense", "EinsumDense"),
    "conv": ("Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D"),
    "conv_transpose": ("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"),
    "depthwise_conv": ("DepthwiseConv1D", "DepthwiseConv2D"),
    "separable_conv": ("SeparableConv1D", "SeparableConv2D"),
    "pooling": (
        "MaxPooling1D",
        "MaxPooling2D",
        "MaxPooling3D",
        "AveragePooling1D",
        "AveragePooling2D",
        "AveragePooling3D",
    ),
    "global_pooling": (
        "GlobalMaxPooling1D",
        "GlobalMaxPooling2D",
        "GlobalMaxPooling3D",
        "GlobalAveragePooling1D",
        "GlobalAveragePooling2D",
        "GlobalAveragePooling3D",
    ),
    "normalization": (
        "BatchNormalization",
        "LayerNormalization",
        "GroupNormalization",
        "RMSNormalization",
        "UnitNormalization",
        "Normalization",
    ),
    "activation": ("Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "ThresholdedReLU"),
    "elementwise": (
        "Add",
        "Subtract",
        "Multiply",
        "Average",
        "Maximum",
        "Minimum",
        "Rescaling",
        "LayerScale",
        "CustomScaleLayer",
        "TFOpLambda",
    ),
    "concatenate": ("Concatenate",),
    "reshaping": (
        "Reshape",
        "Flatten",
        "Permute",
        "RepeatVector",
        "ZeroPadding1D",
        "ZeroPadding2D",
        "ZeroPadding3D",
        "Cropping1D",
        "Cropping2D",
        "Cropping3D",
        "UpSampling1D",
        "UpSampling2D",
        "UpSampling3D",
        "Resizing",
        "CenterCrop",
    ),
    "attention": (
        "MultiHeadAttention",
        "GroupedQueryAttention",
        "GroupQueryAttention",
        "Attention",
        "AdditiveAttention",
        "Dot",
    ),
    "recurrent": (
        "SimpleRNN",
        "LSTM",
        "GRU",
        "RNN",
        "Bidirectional",
        "ConvLSTM1D",
        "ConvLSTM2D",
        "ConvLSTM3D",
    ),
    "embedding": ("Embedding",),
}

FAMILY_MEMBERS: dict[str, tuple[str, ...]] = _FAMILIES
FAMILY_OF: dict[str, str] = {name: family for family, names in _FAMILIES.items() for name in names}
FAMILIES: tuple[str, ...] = tuple(_FAMILIES)

FREE = "free"
"""Inference no-ops (Dropout, noise, InputLayer): they cost nothing and are never measured."""
GENERIC = "generic"
MATMUL_FAMILIES = ("conv", "depthwise_conv", "separable_conv", "conv_transpose", "dense")
"""Families of layers that multiply by weights: a runtime fuses the element-wise work right after
one into its kernel (a bias Add and ReLU into a Conv, a bias Add into a MatMul), so a layer right
after one is often free (estimation/features.py, AFTER_MATMUL)."""


def after_weight_layers(families: Iterable[str]) -> list[bool]:
    """For layers in a model's order, given by family, whether the last layer before each that is
    not free multiplies by weights (MATMUL_FAMILIES): the one rule `check` applies to a graph and
    calibration to a run's rows."""
    flags, previous = [], ""
    for family in families:
        flags.append(previous in MATMUL_FAMILIES)
        if family != FREE:
            previous = family
    return flags


RELATED = {"conv_transpose": "conv", "depthwise_conv": "conv", "separable_conv": "conv"}
"""A family with no predictor of its own in a profile is priced by its related family's, which
reads the same features (kernel, strides, channels, groups), before falling back to the generic
one, which knows sizes only: a transposed convolution costs about what a convolution of its MACs
and shapes does, not what the average layer of its size does."""


def family_of(class_name: str, operation: bool = False) -> str:
    """The predictor family of a layer class; Keras operations are element-wise."""
    if class_name == "InputLayer" or class_name in regularization.SPECS:
        return FREE
    if operation:
        return "elementwise"
    return FAMILY_OF.get(class_name, GENERIC)
