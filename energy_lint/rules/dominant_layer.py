"""What:
    One layer takes more than `layer-share` (default 50%) of the model's predicted energy.

Why:
    A single layer that dominates is where an optimisation pays: a smaller kernel, fewer
    filters, a depthwise-separable replacement, or a stride earlier in the network.

Example:
    [tool.energy-lint.budgets]
    layer-share = "10%"
    # block4_conv2 (Conv2D 512->512, 3x3) takes 13% of examples/vgg16.json's energy on
    # cpu-xeon-2core-tf-ctx: EL201
"""

from __future__ import annotations

from collections.abc import Iterator

from ..results import ModelResult
from .base import WARNING, Finding

CODE = "EL201"
NAME = "dominant-layer"
SEVERITY = WARNING


def check(model: ModelResult) -> Iterator[Finding]:
    total = model.estimate.layer_sum_j
    if total <= 0:
        return
    for layer in model.estimate.layers:
        share = layer.energy_j / total
        if share > model.budgets.layer_share:
            yield Finding(
                f"{layer.name} ({layer.type}) takes {share:.0%} of the predicted energy "
                f"(more than {model.budgets.layer_share:.0%})",
                layer=layer.name,
            )
