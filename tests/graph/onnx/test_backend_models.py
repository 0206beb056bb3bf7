"""The onnx package's own backend test models (its light/ architectures: ConstantOfShape makes
their weights in the graph) read without an unknown op, near their published MACs and params."""

from __future__ import annotations

from pathlib import Path

import pytest

from energy_lint.graph import read_model

onnx = pytest.importorskip("onnx")
LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"

# Published figures: torchvision's / the Caffe model zoo's MACs (GFLOPs as MACs) and params.
PUBLISHED = {
    "light_resnet50.onnx": (4.1e9, 25.6e6),
    "light_vgg19.onnx": (19.6e9, 143.67e6),
    "light_squeezenet.onnx": (0.35e9, 1.24e6),
}


def test_the_light_models_are_there() -> None:
    assert sorted(PUBLISHED) == sorted(p.name for p in LIGHT.glob("*.onnx") if p.name in PUBLISHED)


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_near_published_figures(name: str) -> None:
    macs, params = PUBLISHED[name]
    graph = read_model(LIGHT / name)
    assert graph.unknown_layers == []
    assert abs(graph.params - params) <= 0.02 * params
    assert abs(graph.macs - macs) <= 0.03 * macs


@pytest.mark.parametrize("path", sorted(LIGHT.glob("*.onnx")), ids=lambda p: p.name)
def test_every_light_model_reads_fully(path: Path) -> None:
    graph = read_model(path)
    assert graph.unknown_layers == []
    assert graph.macs > 1e8 and graph.params > 1e6
