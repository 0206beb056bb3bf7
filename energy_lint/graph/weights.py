"""The weight shapes a model file stores, by layer, read from HDF5 metadata without loading data.

A layer energy-lint has no rule for (a Lambda, a user's custom layer) still leaves its weights
in the file: their shapes give its exact params, and a Dense kernel's first dimension gives the
input width of the layer after it. The legacy .h5 format keeps them under `model_weights/<layer>/`;
a .keras archive keeps them in `model.weights.h5` under `layers/<layer>/vars/<i>` (sub-layers
and nested models as further `layers/` groups). Reading them is optional knowledge: any problem
with the weights yields no weights, never an error, because the model config was already read."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MAX_WEIGHT_ENTRIES = 200_000
"""A ResNet50 stores 320 arrays; a file listing more than this many groups and arrays is not
walked further (its weights are then not used), so a crafted file cannot make the walk long."""

Shape = tuple[int, ...]


@dataclass
class WeightShapes:
    """Weight array shapes by layer path ("layer", or "outer/inner" for nested models), in the
    order the file stores them."""

    by_layer: dict[str, list[Shape]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    """Layer path -> where its weights are stored, where that differs (a .keras archive files
    them by class name and position, not by layer name)."""

    def shapes(self, layer: str) -> list[Shape] | None:
        """The shapes stored under a layer (sub-layers included), None when it has no group."""
        return self.by_layer.get(self.aliases.get(layer, layer))

    def params(self, layer: str) -> int | None:
        shapes = self.shapes(layer)
        if shapes is None:
            return None
        total = 0
        for shape in shapes:
            count = 1
            for d in shape:
                count *= d
            total += count
        return total

    @property
    def total(self) -> int:
        """Every parameter the file stores (each top-level layer once)."""
        return sum(self.params(name) or 0 for name in self.by_layer if "/" not in name)


def snake_case(class_name: str) -> str:
    """Keras 3's own naming of a saved object (keras.src.utils.naming.to_snake_case)."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def keras3_paths(
    layers: list[tuple[str, str, list | None]], prefix: str = "", into: str = ""
) -> dict[str, str]:
    """Layer path -> weights path in a .keras archive. Keras 3 files each layer of a model under
    its class name in snake case, numbered in the model's layer order (dense, dense_1, ...);
    `layers` is (name, class name, nested layers or None) in that order."""
    paths: dict[str, str] = {}
    used: dict[str, int] = {}
    for name, class_name, nested in layers:
        key = snake_case(class_name)
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        paths[prefix + name] = into + key
        if nested is not None:
            paths.update(keras3_paths(nested, prefix + name + "/", into + key + "/"))
    return paths


def _add(result: WeightShapes, segments: list[str], shape: Shape) -> None:
    for end in range(1, len(segments) + 1):
        result.by_layer.setdefault("/".join(segments[:end]), []).append(shape)


def _walk(group: object, keep: Callable[[list[str]], list[str]]) -> WeightShapes | None:
    """Every dataset under `group`, its shape filed under each prefix of its layer path."""
    import h5py  # only files that need their weights read pay for h5py

    result = WeightShapes()
    seen = 0

    def visit(name: str, obj: object) -> int | None:
        nonlocal seen
        seen += 1
        if seen > MAX_WEIGHT_ENTRIES:
            return 1  # stops h5py's walk
        if isinstance(obj, h5py.Dataset):
            shape = obj.shape
            if shape is None or any(int(d) < 0 for d in shape):
                return None
            segments = keep(name.split("/")[:-1])
            if segments:
                _add(result, segments, tuple(int(d) for d in shape))
        return None

    stopped = group.visititems(visit)  # type: ignore[attr-defined]
    return None if stopped else result


def _keras3_segments(parts: list[str]) -> list[str]:
    """layers/conv/vars -> [conv]; layers/outer/layers/dense/vars -> [outer, dense];
    layers/lstm/cell/vars -> [lstm, cell]."""
    return [p for p in parts if p not in ("layers", "vars")]


def read_h5_weights(source: Path | io.BytesIO | object) -> WeightShapes | None:
    """Weights of a legacy .h5 model file (its `model_weights` group)."""
    import h5py

    try:
        with h5py.File(source, "r") as handle:
            group = handle.get("model_weights")
            if group is None or not isinstance(group, h5py.Group):
                return None
            return _walk(group, lambda parts: parts)
    except Exception:
        return None


def read_keras_weights(source: Path | io.BytesIO) -> WeightShapes | None:
    """Weights of a .keras archive (its `model.weights.h5` member), read through the zip."""
    import h5py

    try:
        with zipfile.ZipFile(source) as archive:
            if "model.weights.h5" not in archive.namelist():
                return None
            with archive.open("model.weights.h5") as member, h5py.File(member, "r") as handle:
                group = handle.get("layers")
                if group is None or not isinstance(group, h5py.Group):
                    return None
                return _walk(group, _keras3_segments)
    except Exception:
        return None


def read_weights(source: Path | io.BytesIO, file_format: str) -> WeightShapes | None:
    """The weight shapes of a model file in `file_format` ("h5", "keras"; a .json has none)."""
    if isinstance(source, io.BytesIO):
        source = io.BytesIO(source.getvalue())
    if file_format == "h5":
        return read_h5_weights(source)
    if file_format == "keras":
        return read_keras_weights(source)
    return None
