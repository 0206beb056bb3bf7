"""An ONNX node gets the feature vector of the Keras layer it is priced as: the bundled
profiles, fitted on Keras layers, price it as they would price that layer."""

from __future__ import annotations

from pathlib import Path

from energy_lint.estimation.features import layer_features, node_features
from energy_lint.graph import read_model
from tests.graph.onnx.builders import conv_model


def test_an_onnx_conv_has_the_features_of_the_same_keras_conv(tmp_path: Path) -> None:
    graph = read_model(conv_model(tmp_path / "conv.onnx", dims=(2, 3, 32, 32)))
    conv, relu = graph.layers
    keras_conv = {
        "filters": 8,
        "kernel_size": [3, 3],
        "strides": [1, 1],
        "dilation_rate": [1, 1],
        "groups": 1,
        "padding": "same",
        "use_bias": True,
        "data_format": "channels_first",
    }
    expected = layer_features("Conv2D", keras_conv, [(2, 3, 32, 32)])
    assert node_features(conv) == expected
    assert expected.family == "conv"
    keras_relu = layer_features("Activation", {"activation": "relu"}, [(2, 8, 32, 32)])
    assert node_features(relu) == keras_relu


def test_scalar_outputs_and_unnamed_optional_outputs_are_estimated_without_error(tmp_path: Path) -> None:
    from energy_lint.estimation.forward_pass import estimate
    from energy_lint.estimation.profile import default_profile, load_profile
    from tests.graph.onnx.builders import FLOAT, helper, save, weight

    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w"], ["h"]),
            helper.make_node("Dropout", ["h"], ["d", ""]),
            helper.make_node("ReduceSum", ["d"], ["y"], keepdims=0),
        ],
        "scalar",
        [helper.make_tensor_value_info("x", FLOAT, [1, 16])],
        [helper.make_tensor_value_info("y", FLOAT, None)],
        [weight("w", 16, 4)],
    )
    read = read_model(save(graph, tmp_path / "scalar.onnx", opset=11))
    result = estimate(read, load_profile(default_profile()))
    priced = {layer.type: layer.predictor for layer in result.layers}
    assert priced == {"MatMul": "dense", "Dropout": "free", "ReduceSum": "free"}
    assert result.energy_j > 0


def test_a_node_whose_first_axis_is_not_the_batch_counts_the_models_batch(tmp_path: Path) -> None:
    """After a Reshape to (batch x steps, width), a Gemm's first axis holds 3 x 16 rows: its
    MACs in the features are the reader's per-sample MACs times the model's batch of 3."""
    import math

    from energy_lint.estimation.forward_pass import estimate
    from energy_lint.estimation.profile import default_profile, load_profile
    from tests.graph.onnx.builders import FLOAT, helper, save, weight

    graph = helper.make_graph(
        [
            helper.make_node("Reshape", ["x", "rows"], ["flat"]),
            helper.make_node("Gemm", ["flat", "w", "b"], ["y"]),
        ],
        "flattened",
        [helper.make_tensor_value_info("x", FLOAT, ["batch", 16, 64])],
        [helper.make_tensor_value_info("y", FLOAT, None)],
        [weight("w", 64, 32), weight("b", 32),
         helper.make_tensor("rows", 7, [2], [-1, 64])],
    )  # fmt: skip
    read = read_model(save(graph, tmp_path / "flattened.onnx"), batch_size=3)
    gemm = next(node for node in read.layers if node.type == "Gemm")
    assert gemm.input_shapes[0] == (48, 64)
    assert gemm.macs == 16 * 64 * 32  # per sample
    features = node_features(gemm, batch=3).as_dict()
    assert features["log_macs"] == math.log1p(3 * gemm.macs)  # not 48 x: the rows hold the steps too
    priced = estimate(read, load_profile(default_profile()))
    priced_features = next(layer for layer in priced.layers if layer.type == "Gemm").features
    assert {name: priced_features[name] for name in features} == features  # and the model's traffic
