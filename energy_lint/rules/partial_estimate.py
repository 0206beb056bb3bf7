"""What:
    More than `unknown-share` (default 10%) of a model's priced layers, or of its params, is left
    unknown (a custom layer, a Lambda, or a standard layer whose input shape they left unknown):
    its estimate covers only part of its compute, and the total is a lower bound.

Why:
    A model that is mostly unknown gets a small figure that passes every budget: a silent green.
    EL303 names each unknown layer; this rule fails the model when the unknown part is large
    enough that its total says little. The MACs of an unknown layer are what is not known, so
    the share is counted in layers and in params (params come from the weights stored in the
    file, even for a layer without a rule).

Example:
    [tool.energy-lint.budgets]
    unknown-share = "25%"
    # a model whose first layer is custom and leaves 4 of its 6 priced layers unknown: EL305
"""

from __future__ import annotations

from collections.abc import Iterator

from ..estimation.forward_pass import Pricing
from ..results import ModelResult
from .base import ERROR, Finding

CODE = "EL305"
NAME = "partial-estimate"
SEVERITY = ERROR


def unknown_shares(model: ModelResult) -> tuple[int, int, float, float]:
    """(unknown layers, priced-or-unknown layers, share of those layers, share of params)."""
    counted = [layer for layer in model.estimate.layers if layer.pricing is not Pricing.FREE]
    unknown = [layer for layer in counted if layer.pricing is Pricing.UNKNOWN]
    params = sum(layer.params for layer in model.estimate.layers)
    layer_share = len(unknown) / len(counted) if counted else 0.0
    param_share = sum(layer.params for layer in unknown) / params if params else 0.0
    return len(unknown), len(counted), layer_share, param_share


def check(model: ModelResult) -> Iterator[Finding]:
    unknown, counted, layer_share, param_share = unknown_shares(model)
    limit = model.budgets.unknown_share
    if unknown and max(layer_share, param_share) > limit:
        yield Finding(
            f"the estimate covers only part of the model: {unknown} of {counted} layers "
            f"({layer_share:.0%}) and {param_share:.0%} of the params are unknown (more than "
            f"{limit:.0%}), so the total is a lower bound"
        )
