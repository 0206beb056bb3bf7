"""Architectures of one family are held out together: the table and the sample-number rule."""

import pytest

from energy_lint.calibration.architecture_families import architecture_family


@pytest.mark.parametrize(
    ("architecture", "family"),
    [("rand-cnn-0042", "rand-cnn"), ("rand-cnn-0042~", "rand-cnn"), ("resnet50", "resnet"),
     ("resnet18", "resnet"), ("vgg11", "vgg"), ("googlenet", "inception"), ("my_net", "my_net"),
     ("my-net-v2", "my-net-v2")],
)  # fmt: skip
def test_an_architecture_belongs_to_its_family(architecture: str, family: str) -> None:
    assert architecture_family(architecture) == family
