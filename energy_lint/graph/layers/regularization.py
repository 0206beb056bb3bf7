"""Layers that are identities at inference: dropout and noise, masking, regularization, random
augmentation. They keep the shape and cost nothing when the model predicts. MACs: 0."""

from __future__ import annotations

from .base import same_shape

_INFERENCE_IDENTITIES = (
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianDropout",
    "GaussianNoise",
    "AlphaDropout",
    "ActivityRegularization",
    "Masking",
    "Identity",
    "RandomFlip",
    "RandomRotation",
    "RandomZoom",
    "RandomTranslation",
    "RandomContrast",
    "RandomBrightness",
)

SPECS = dict.fromkeys(_INFERENCE_IDENTITIES, same_shape)
