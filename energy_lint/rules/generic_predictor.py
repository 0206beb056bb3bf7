"""What:
    A layer's family has no fitted predictor in the profile, so a related family's (a
    convolution's, for a transposed or depthwise one) or the generic predictor (fitted on every
    family together, on common features only) priced it.

Why:
    The generic predictor knows sizes but not the family's own cost structure (kernel size,
    heads, recurrence): its error is larger. Calibrating that family makes the figure better.

Example:
    An LSTM layer with a profile that measured too few recurrent layers: EL302.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..estimation.forward_pass import Pricing
from ..results import ModelResult
from .base import WARNING, Finding

CODE = "EL302"
NAME = "generic-predictor"
SEVERITY = WARNING


def check(model: ModelResult) -> Iterator[Finding]:
    for layer in model.estimate.layers:
        if layer.pricing is Pricing.RELATED:
            yield Finding(
                f"{layer.name} ({layer.type}, family {layer.family}) has no fitted predictor in this "
                f"profile: the related {layer.priced_by} predictor priced it",
                layer=layer.name,
            )
        elif layer.pricing is Pricing.GENERIC:
            yield Finding(
                f"{layer.name} ({layer.type}, family {layer.family}) has no fitted predictor in this "
                "profile: the generic one priced it",
                layer=layer.name,
            )
