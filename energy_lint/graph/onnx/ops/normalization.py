"""Normalizations: priced as the Keras normalization layer of the same kind, MACs 0 (element-wise;
at inference a batch norm is one multiply-add per element)."""

from __future__ import annotations

from .base import fixed

SPECS = {
    "BatchNormalization": fixed("BatchNormalization"),
    "LayerNormalization": fixed("LayerNormalization"),
    "SimplifiedLayerNormalization": fixed("RMSNormalization"),
    "SkipLayerNormalization": fixed("LayerNormalization"),
    "RMSNormalization": fixed("RMSNormalization"),
    "InstanceNormalization": fixed("GroupNormalization"),
    "GroupNormalization": fixed("GroupNormalization"),
    "LpNormalization": fixed("UnitNormalization"),
    "MeanVarianceNormalization": fixed("LayerNormalization"),
    "LRN": fixed("LayerNormalization"),
}
