"""The registry of layer specs: Keras class name -> spec, one plain module per layer family.

A class is known only when its module is Keras' own (or absent, as in Keras 2 files): a user's
custom layer that happens to be called "Dense" is not mistaken for keras.layers.Dense."""

from __future__ import annotations

from . import (
    activation,
    applications,
    attention,
    conv,
    dense,
    embedding,
    merge,
    normalization,
    ops,
    pooling,
    preprocessing,
    recurrent,
    regularization,
    reshaping,
    tf_ops,
    wrappers,
)
from .base import LayerConfigError, Spec

LAYER_FAMILIES = (
    activation,
    applications,
    attention,
    conv,
    dense,
    embedding,
    merge,
    normalization,
    pooling,
    preprocessing,
    recurrent,
    regularization,
    reshaping,
    tf_ops,
    wrappers,
)
LAYER_SPECS: dict[str, Spec] = {
    name: spec for family in LAYER_FAMILIES for name, spec in family.SPECS.items()
}
OP_SPECS: dict[str, Spec] = dict(ops.SPECS)

_KERAS_LAYER_MODULES = (
    "keras.layers",
    "keras.src.layers",
    "keras.applications",
    "keras.src.applications",
    "tf_keras",
    "keras.src.legacy",
)
_KERAS_OP_MODULES = ("keras.ops", "keras.src.ops")


class UnknownLayerError(LayerConfigError):
    """A class the reader has no spec for: kept in the graph, marked unknown, never guessed."""


def spec_for(
    class_name: str,
    module: str | None = None,
    registered_name: str | None = None,
    operation: bool = False,
) -> Spec:
    keras_module = module is not None and (module == "keras" or module.startswith(_KERAS_LAYER_MODULES))
    if operation or (module or "").startswith(_KERAS_OP_MODULES):
        table = OP_SPECS
    elif module is None or keras_module:
        table = LAYER_SPECS
    else:
        table = {}
    # A registered name other than the class name marks a user's layer, unless Keras' own
    # modules registered it (tf.keras writes "Custom>CustomScaleLayer" for its applications).
    custom = registered_name not in (None, class_name) and not keras_module
    if custom or class_name not in table:
        where = f" from {module}" if module else ""
        raise UnknownLayerError(f"unknown layer class {registered_name or class_name}{where}")
    return table[class_name]
