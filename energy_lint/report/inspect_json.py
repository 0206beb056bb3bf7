"""`energy-lint inspect --format json`: docs/contracts.md, 6. inspect JSON (version 1)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from ..errors import ModelReadError
from ..graph import LayerNode, ModelGraph

VERSION = 1


def shape_json(shape: Sequence[int] | None) -> list[int] | None:
    return None if shape is None else list(shape)


def output_shape_json(layer: LayerNode) -> Any:
    """One shape, or a list of shapes for a layer with several outputs (LSTM states, ...)."""
    if len(layer.output_shapes) == 1:
        return shape_json(layer.output_shapes[0])
    return [shape_json(s) for s in layer.output_shapes]


def layer_document(layer: LayerNode) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": layer.name,
        "type": layer.type,
        "input_shapes": [shape_json(s) for s in layer.input_shapes],
        "output_shape": output_shape_json(layer),
        "macs": layer.macs,
        "params": layer.params,
        "known": layer.known,
    }
    if layer.note:
        document["note"] = layer.note
    return document


def _free(document: dict[str, Any], item: Any) -> dict[str, Any]:
    """MACs of a graph with a free dimension: null, and per unit of that dimension where linear."""
    document["macs"] = None
    document["macs_per_unit"] = item.macs_per_unit
    document["macs_offset"] = item.macs_offset
    return document


def model_document(graph: ModelGraph) -> dict[str, Any]:
    document = _model_document(graph)
    if graph.free_dims:
        _free(document, graph)
        document["free_dims"] = graph.free_dims
        for layer_doc, layer in zip(document["layers"], graph.layers, strict=True):
            _free(layer_doc, layer)
    return document


def _model_document(graph: ModelGraph) -> dict[str, Any]:
    return {
        "path": graph.path,
        "format": graph.format,
        "name": graph.name,
        "keras_version": graph.keras_version,
        "batch_size": graph.batch_size,
        "input_shapes": [shape_json(s) for s in graph.input_shapes],
        "output_shapes": [shape_json(s) for s in graph.output_shapes],
        "params": graph.params,
        "macs": graph.macs,
        "unknown_layers": len(graph.unknown_layers),
        "layers": [layer_document(layer) for layer in graph.layers],
        "notes": list(graph.notes),
    }


def write(graphs: Iterable[ModelGraph], errors: Sequence[ModelReadError], out: TextIO) -> None:
    """Stream one JSON document: each model is written and dropped before the next is read.
    `errors` is read at the end, so that errors met while reading are included."""
    out.write(f'{{"version": {VERSION}, "models": [')
    for index, graph in enumerate(graphs):
        out.write(("," if index else "") + "\n" + json.dumps(model_document(graph)))
    listed = [{"path": e.path, "message": e.problem} for e in errors]
    out.write(f'\n], "errors": {json.dumps(listed)}}}\n')
