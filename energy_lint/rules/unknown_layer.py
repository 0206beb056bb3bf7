"""What:
    The reader does not know a layer (a custom class, a Lambda), or cannot know its shapes because
    such a layer upstream left them unknown, so it is not estimated and the model's total is a
    lower bound.

Why:
    energy-lint never runs code from a model file, so a custom layer's computation is unknown.
    Its output shape comes from what the file records (Keras 3's edge shapes, a Lambda's
    output_shape, a later layer's build shape or Dense kernel) and its params from the weights
    stored in the file; its energy is counted as zero. A standard layer after it is named with
    the unknown layer to blame, not called unknown to energy-lint.

Example:
    A Lambda layer or a registered custom layer such as "MyPackage>Gate": EL303, "no rule for
    this layer"; the Conv1D after it, if its input shape is not recorded: "shape unknown because
    upstream 'gate' is unknown". An ONNX Reshape whose target the input's elements do not fit
    (a model exported for another batch) says so: "cannot reshape 7 elements (7,) to [4, -1] at
    batch 1 (a model exported for another --batch-size?)".
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
        if layer.pricing is not Pricing.UNKNOWN:
            continue
        if layer.reason and layer.reason.startswith(("shape unknown", "cannot reshape")):
            why = layer.reason.split(";")[0]
        else:
            why = "unknown to energy-lint"
        yield Finding(
            f"{layer.name} ({layer.type}) is {why} and not estimated: the total is a lower bound"
            if why.startswith("unknown")
            else f"{layer.name} ({layer.type}): {why}, so it is not estimated: the total is a lower bound",
            layer=layer.name,
        )
