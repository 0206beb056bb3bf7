"""tf.keras 2's TFOpLambda: a TensorFlow function called in a functional model (`x + y`,
tf.math.multiply, tf.nn.relu). The config names the function; nothing is ever called. Only
element-wise functions are known, by name; anything else is an unknown layer.
MACs per sample: 0."""

from __future__ import annotations

from .base import LayerCall, LayerResult
from .merge import broadcast
from .ops import constant_shape

_BINARY = {
    "__operators__.add",
    "math.add",
    "math.add_n",
    "math.subtract",
    "math.multiply",
    "math.truediv",
    "math.divide",
    "math.maximum",
    "math.minimum",
    "math.pow",
    "__operators__.sub",
    "__operators__.mul",
    "__operators__.truediv",
}
_UNARY = {
    "nn.relu",
    "nn.relu6",
    "nn.silu",
    "nn.swish",
    "nn.gelu",
    "math.sigmoid",
    "math.tanh",
    "nn.softmax",
    "math.exp",
    "math.log",
    "math.sqrt",
    "math.rsqrt",
    "math.square",
    "math.negative",
    "math.abs",
    "identity",
    "cast",
    "stop_gradient",
}


def tf_op_lambda(call: LayerCall) -> LayerResult:
    from . import UnknownLayerError

    function = call.config.get("function")
    if function in _UNARY:
        return LayerResult((call.input,))
    if function in _BINARY:
        shapes = [*call.inputs, *call.keyword_inputs.values()]
        if "y" in call.options:
            shapes.append(constant_shape(call.options["y"]))
        return LayerResult((broadcast(shapes),))
    raise UnknownLayerError(f"TFOpLambda of tf.{function} has no spec")


SPECS = {"TFOpLambda": tf_op_lambda}
