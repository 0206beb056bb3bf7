"""ModelGraph: what a model file says, flattened into one list of layer calls in run order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .layers.base import Shape


@dataclass
class LayerNode:
    """One call of one layer. A shared layer called twice appears twice (`name@1` for the
    second call) and carries its params on the first call only, so params add up."""

    name: str
    type: str
    config: dict[str, Any]
    inputs: list[str]
    input_shapes: list[Shape | None]
    output_shapes: list[Shape | None]
    params: int = 0
    macs: int = 0
    layer_params: int | None = None
    """The layer's own params on every call (a shared layer's later calls included), where
    `params` counts them on the first call only: what a layer's features read, as calibration
    measured each layer alone."""
    known: bool = True
    operation: bool = False
    """A Keras 3 operation in the graph (`x * 2`, keras.ops.*, mask ops), not a layer."""
    note: str | None = None
    macs_per_unit: int | None = None
    """In a graph with a free dimension (ModelGraph.free_dims): MACs per unit of it, and the
    MACs that do not grow with it (macs_offset); both None where MACs do not grow linearly."""
    macs_offset: int | None = None
    keras_class: str | None = None
    """The Keras class whose family and features price a node read from ONNX (a Conv priced as
    Conv2D); None: the node's own type, a Keras class."""

    @property
    def priced_as(self) -> str:
        return self.keras_class or self.type

    @property
    def output_shape(self) -> Shape | None:
        return self.output_shapes[0] if self.output_shapes else None


@dataclass
class ModelGraph:
    """A model read without running it: every layer call with its shapes, params and MACs.

    MACs are per sample (multiply-accumulates of one forward pass of one sample); shapes carry
    the batch dimension, set to `batch_size`."""

    path: str
    format: str
    name: str
    batch_size: int
    layers: list[LayerNode]
    input_shapes: list[Shape | None]
    output_shapes: list[Shape | None]
    keras_version: str | None = None
    notes: list[str] = field(default_factory=list)
    free_dims: list[str] = field(default_factory=list)
    """Input dimensions the model leaves free and no --input-shape fixed ("dimension 1 of input
    'x'"): shapes show them as None, like keras' summary(), and MACs are per unit of the free
    dimension (`macs_per_unit`) or unknown. Only `inspect` reads such graphs; `check` needs a
    size to price."""

    @property
    def macs_per_unit(self) -> int | None:
        if any(layer.macs_per_unit is None for layer in self.layers):
            return None
        return sum(layer.macs_per_unit or 0 for layer in self.layers)

    @property
    def macs_offset(self) -> int | None:
        if any(layer.macs_offset is None for layer in self.layers):
            return None
        return sum(layer.macs_offset or 0 for layer in self.layers)

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def unknown_layers(self) -> list[LayerNode]:
        return [layer for layer in self.layers if not layer.known]
