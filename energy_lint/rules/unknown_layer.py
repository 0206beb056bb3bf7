"""What:
    The reader does not know a layer (a custom class, a Lambda), so it is not estimated and the
    model's total is a lower bound.

Why:
    energy-lint never runs code from a model file, so a custom layer's computation is unknown.
    Its output shape comes from what Keras recorded; its energy is counted as zero.

Example:
    A Lambda layer or a registered custom layer such as "MyPackage>Gate": EL303.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..estimation.forward_pass import Pricing
from ..results import ModelResult
from .base import WARNING, Finding

CODE = "EL303"
NAME = "unknown-layer"
SEVERITY = WARNING


def check(model: ModelResult) -> Iterator[Finding]:
    for layer in model.estimate.layers:
        if layer.pricing is Pricing.UNKNOWN:
            yield Finding(
                f"{layer.name} ({layer.type}) is unknown to energy-lint and not estimated: "
                "the total is a lower bound",
                layer=layer.name,
            )
