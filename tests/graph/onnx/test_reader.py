"""Reading ONNX files: shapes, symbolic dims, params, subgraphs, quantized and unknown ops."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from energy_lint.errors import ModelReadError
from energy_lint.graph import read_model, read_model_bytes

from .builders import FLOAT, TensorProto, conv_model, helper, save, weight

CONV_MACS = 8 * 32 * 32 * 3 * 3 * 3  # output elements x kernel elements x input channels


def test_symbolic_dims_are_named_when_missing(tmp_path: Path) -> None:
    path = conv_model(tmp_path / "conv.onnx")
    with pytest.raises(ModelReadError) as error:
        read_model(path)
    message = str(error.value)
    assert "'height'" in message and "'width'" in message and "--input-shape" in message
    assert "\n" not in message


def test_symbolic_dims_take_batch_size_and_input_shape(tmp_path: Path) -> None:
    graph = read_model(conv_model(tmp_path / "conv.onnx"), batch_size=4, input_shapes=[(3, 32, 32)])
    assert graph.format == "onnx"
    assert graph.batch_size == 4
    assert graph.input_shapes == [(4, 3, 32, 32)]
    conv, relu = graph.layers
    assert conv.output_shapes == [(4, 8, 32, 32)]
    assert conv.macs == CONV_MACS  # per sample
    assert conv.params == 8 * 3 * 3 * 3 + 8
    assert conv.keras_class == "Conv2D" and relu.keras_class == "Activation"


def test_fixed_batch_is_kept_and_said(tmp_path: Path) -> None:
    graph = read_model(conv_model(tmp_path / "conv.onnx", dims=(1, 3, 32, 32)), batch_size=8)
    assert graph.batch_size == 1
    assert any("fixes its batch at 1" in note for note in graph.notes)


def test_input_shape_against_a_fixed_dim_is_an_error(tmp_path: Path) -> None:
    path = conv_model(tmp_path / "conv.onnx", dims=("batch", 3, 32, 32))
    with pytest.raises(ModelReadError, match="fixes at 32"):
        read_model(path, input_shapes=[(3, 64, 64)])


def test_external_data_is_never_read(tmp_path: Path) -> None:
    path = conv_model(
        tmp_path / "conv.onnx",
        dims=(1, 3, 32, 32),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="conv.data",
        size_threshold=0,
    )
    (tmp_path / "conv.data").unlink()  # params come from the initializers' dims alone
    graph = read_model(path)
    assert graph.params == 8 * 3 * 3 * 3 + 8
    assert graph.macs == CONV_MACS


def test_bytes_read_like_the_file(tmp_path: Path) -> None:
    path = conv_model(tmp_path / "conv.onnx", dims=(1, 3, 32, 32))
    graph = read_model_bytes("models/conv.onnx", path.read_bytes())
    assert (graph.path, graph.params, graph.macs) == ("models/conv.onnx", 8 * 3 * 3 * 3 + 8, CONV_MACS)


def test_unknown_op_is_kept_marked_and_the_rest_read(tmp_path: Path) -> None:
    graph = helper.make_graph(
        [
            helper.make_node("Frobnicate", ["x"], ["f"], domain="example.custom"),
            helper.make_node("MatMul", ["x", "w"], ["y"]),
        ],
        "custom",
        [helper.make_tensor_value_info("x", FLOAT, [1, 16])],
        [helper.make_tensor_value_info("y", FLOAT, None), helper.make_tensor_value_info("f", FLOAT, None)],
        [weight("w", 16, 4)],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("example.custom", 1)]
    )
    import onnx

    onnx.save(model, str(tmp_path / "custom.onnx"))
    read = read_model(tmp_path / "custom.onnx")
    unknown, matmul = read.layers
    assert not unknown.known and "example.custom:Frobnicate" in (unknown.note or "")
    assert unknown.type == "example.custom:Frobnicate"
    assert matmul.known and matmul.macs == 16 * 4 and matmul.keras_class == "Dense"
    assert read.unknown_layers == [unknown]


def _branch(name: str, width: int):
    return helper.make_graph(
        [helper.make_node("MatMul", ["x", f"{name}_w"], [f"{name}_y"])],
        name,
        [],
        [helper.make_tensor_value_info(f"{name}_y", FLOAT, None)],
        [weight(f"{name}_w", 16, width)],
    )


def test_if_shows_both_branches_and_prices_the_costlier(tmp_path: Path) -> None:
    graph = helper.make_graph(
        [
            helper.make_node(
                "If", ["c"], ["y"], then_branch=_branch("small", 2), else_branch=_branch("big", 64)
            )
        ],
        "branches",
        [
            helper.make_tensor_value_info("c", onnx_bool(), []),
            helper.make_tensor_value_info("x", FLOAT, [1, 16]),
        ],
        [helper.make_tensor_value_info("y", FLOAT, None)],
    )
    read = read_model(save(graph, tmp_path / "if.onnx"))
    by_name = {layer.name: layer for layer in read.layers}
    small, big = by_name["If_0/then/MatMul_0"], by_name["If_0/else/MatMul_0"]
    assert big.macs == 16 * 64 and big.keras_class == "Dense"
    assert small.macs == 0 and small.keras_class == "Identity" and "costlier branch (else)" in small.note
    assert read.macs == 16 * 64
    assert read.params == 16 * 2 + 16 * 64  # both branches' weights are in the file
    assert read.notes == ["If 'If_0': both branches shown, the costlier by MACs (else) priced"]


def onnx_bool() -> int:
    from onnx import TensorProto

    return TensorProto.BOOL


def test_quantized_ops_read_with_their_dtype(tmp_path: Path) -> None:
    import numpy as np

    graph = helper.make_graph(
        [
            helper.make_node("DynamicQuantizeLinear", ["x"], ["q", "scale", "zero"]),
            helper.make_node("MatMulInteger", ["q", "w", "zero"], ["y"]),
        ],
        "quantized",
        [helper.make_tensor_value_info("x", FLOAT, [1, 32])],
        [helper.make_tensor_value_info("y", onnx_int32(), None)],
        [weight("w", 32, 8, dtype=np.uint8)],
    )
    read = read_model(save(graph, tmp_path / "q.onnx"))
    quantize, matmul = read.layers
    assert quantize.known and quantize.keras_class == "TFOpLambda"
    assert matmul.config["dtype"] == "uint8"
    assert matmul.macs == 32 * 8 and matmul.params == 32 * 8


def onnx_int32() -> int:
    from onnx import TensorProto

    return TensorProto.INT32


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "file is empty"),
        (b'{"class_name": "Sequential"}', "its content is JSON"),
        (b"\x08\x07\x3a\xff\xff\xff", "corrupt or truncated ONNX file"),
        (b"\x08\x07", "not a valid ONNX model"),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "bad.onnx"
    path.write_bytes(content)
    with pytest.raises(ModelReadError, match=problem) as error:
        read_model(path)
    assert str(error.value).startswith(str(path))


def _flatten_nodes(source: str, output: str) -> list:
    """Shape -> Cast(int32) -> Slice -> Cast(int64) -> Concat -> Reshape -> MatMul, as paddle2onnx
    writes a flatten (rapidocr's classifier)."""
    from onnx import TensorProto

    return [
        helper.make_node("Shape", [source], ["shape"]),
        helper.make_node("Cast", ["shape"], ["shape32"], to=TensorProto.INT32),
        helper.make_node("Slice", ["shape32", "zero", "one", "zero", "one"], ["batch"]),
        helper.make_node("Cast", ["batch"], ["batch64"], to=TensorProto.INT64),
        helper.make_node("Cast", ["width"], ["rest"], to=TensorProto.INT64),
        helper.make_node("Concat", ["batch64", "rest"], ["target"], axis=-1),
        helper.make_node("Reshape", [source, "target"], ["flat"]),
        helper.make_node("MatMul", ["flat", "w"], [output]),
    ]


def _flatten_constants() -> list:
    import numpy as np
    from onnx import numpy_helper

    def ints(name, values, dtype=np.int64):
        return numpy_helper.from_array(np.array(values, dtype=dtype), name)

    return [ints("zero", [0]), ints("one", [1]), ints("width", [16], np.int32), weight("w", 16, 10)]


def test_shape_computations_in_a_branch_are_folded(tmp_path: Path) -> None:
    then_branch = helper.make_graph(
        _flatten_nodes("x", "then_y"), "then", [], [helper.make_tensor_value_info("then_y", FLOAT, None)]
    )
    else_branch = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["else_y"])],
        "else",
        [],
        [helper.make_tensor_value_info("else_y", FLOAT, None)],
    )
    graph = helper.make_graph(
        [helper.make_node("If", ["c"], ["y"], then_branch=then_branch, else_branch=else_branch)],
        "branch",
        [
            helper.make_tensor_value_info("c", onnx_bool(), []),
            helper.make_tensor_value_info("x", FLOAT, ["batch", 4, 2, 2]),
        ],
        [helper.make_tensor_value_info("y", FLOAT, None)],
        _flatten_constants(),
    )
    read = read_model(save(graph, tmp_path / "branch.onnx", opset=11), batch_size=3)
    by_type = {layer.type: layer for layer in read.layers}
    assert by_type["Reshape"].output_shapes == [(3, 16)]
    assert by_type["MatMul"].macs == 16 * 10 and read.unknown_layers == []


def test_shape_computations_onnx_cannot_follow_are_folded(tmp_path: Path) -> None:
    """Shape -> Cast(int32) -> Slice -> Cast(int64) -> Concat -> Reshape, as paddle2onnx writes
    a flatten (rapidocr's classifier): ONNX's data propagation stops at the int32 Cast; the
    reader folds the chain and the MatMul after the Reshape is sized."""
    import numpy as np
    from onnx import TensorProto, numpy_helper

    def ints(name, values, dtype=np.int64):
        return numpy_helper.from_array(np.array(values, dtype=dtype), name)

    graph = helper.make_graph(
        [
            helper.make_node("Shape", ["x"], ["shape"]),
            helper.make_node("Cast", ["shape"], ["shape32"], to=TensorProto.INT32),
            helper.make_node("Slice", ["shape32", "zero", "one", "zero", "one"], ["batch"]),
            helper.make_node("Cast", ["batch"], ["batch64"], to=TensorProto.INT64),
            helper.make_node("Cast", ["width"], ["rest"], to=TensorProto.INT64),
            helper.make_node("Concat", ["batch64", "rest"], ["target"], axis=-1),
            helper.make_node("Reshape", ["x", "target"], ["flat"]),
            helper.make_node("MatMul", ["flat", "w"], ["y"]),
        ],
        "flatten",
        [helper.make_tensor_value_info("x", FLOAT, ["batch", 4, 2, 2])],
        [helper.make_tensor_value_info("y", FLOAT, None)],
        [ints("zero", [0]), ints("one", [1]), ints("width", [16], np.int32), weight("w", 16, 10)],
    )
    read = read_model(save(graph, tmp_path / "flatten.onnx", opset=11), batch_size=3)
    by_type = {layer.type: layer for layer in read.layers}
    assert by_type["Reshape"].output_shapes == [(3, 16)]
    assert by_type["MatMul"].macs == 16 * 10 and read.unknown_layers == []
    assert "folded" in (by_type["Concat"].note or "")


def test_a_loop_body_is_priced_per_trip_when_the_file_fixes_the_count(tmp_path: Path) -> None:
    import numpy as np
    from onnx import TensorProto, numpy_helper

    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
            helper.make_node("MatMul", ["v_in", "w"], ["v_out"]),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("v_in", FLOAT, [1, 16]),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("v_out", FLOAT, [1, 16]),
        ],
    )
    graph = helper.make_graph(
        [helper.make_node("Loop", ["trips", "keep_going", "x"], ["y"], body=body)],
        "loop",
        [helper.make_tensor_value_info("x", FLOAT, [1, 16])],
        [helper.make_tensor_value_info("y", FLOAT, None)],
        [
            numpy_helper.from_array(np.array(5, dtype=np.int64), "trips"),
            numpy_helper.from_array(np.array(True), "keep_going"),
            weight("w", 16, 16),
        ],
    )
    read = read_model(save(graph, tmp_path / "loop.onnx"))
    (matmul,) = [layer for layer in read.layers if layer.type == "MatMul"]
    assert matmul.name == "Loop_0/body/MatMul_1"
    assert matmul.macs == 5 * 16 * 16 and "x 5 iterations" in matmul.note
    assert read.params == 16 * 16 and read.macs == 5 * 16 * 16


def test_a_weight_handed_on_through_an_identity_belongs_to_its_user_counted_once(tmp_path: Path) -> None:
    """torch's exporter stores two equal weights once and feeds the second user an Identity of
    it: the model has the weight once, and each MatMul reads it (its features' weight bytes)."""
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w"], ["h"], name="first"),
            helper.make_node("Identity", ["w"], ["w_again"], name="again"),
            helper.make_node("MatMul", ["h", "w_again"], ["y"], name="second"),
        ],
        "shared",
        [helper.make_tensor_value_info("x", FLOAT, [1, 32])],
        [helper.make_tensor_value_info("y", FLOAT, None)],
        [weight("w", 32, 32)],
    )
    read = read_model(save(graph, tmp_path / "shared.onnx"))
    nodes = {node.name: node for node in read.layers}
    assert read.params == 32 * 32
    assert (nodes["first"].params, nodes["first"].layer_params) == (32 * 32, None)
    assert (nodes["second"].params, nodes["second"].layer_params) == (0, 32 * 32)
    assert nodes["again"].params == 0


def test_an_omitted_optional_input_is_no_input(tmp_path: Path) -> None:
    """torch and tf2onnx write LSTM's sequence_lens and Resize's roi as '' (omitted): such a
    layer's shapes are all known, and it is priced, not flagged as a shape inference failure."""
    hidden, steps, features = 8, 5, 4
    graph = helper.make_graph(
        [
            helper.make_node("LSTM", ["x", "W", "R", "B", ""], ["y", "h"], hidden_size=hidden),
            helper.make_node("Squeeze", ["y", "axes"], ["s"]),
            helper.make_node("Unsqueeze", ["s", "axes"], ["u"]),
            helper.make_node("Resize", ["u", "", "scales"], ["r"], mode="nearest"),
        ],
        "optional_inputs",
        [helper.make_tensor_value_info("x", FLOAT, [steps, 1, features])],
        [helper.make_tensor_value_info("r", FLOAT, None)],
        [
            weight("W", 1, 4 * hidden, features),
            weight("R", 1, 4 * hidden, hidden),
            weight("B", 1, 8 * hidden),
            numpy_helper_array("axes", [1], np.int64),
            numpy_helper_array("scales", [1.0, 1.0, 2.0, 2.0], np.float32),
        ],
    )
    read = read_model(save(graph, tmp_path / "optional.onnx"))
    by_type = {layer.type: layer for layer in read.layers}
    lstm, resize = by_type["LSTM"], by_type["Resize"]
    assert lstm.known and lstm.input_shapes == [(steps, 1, features)]
    # MACs are per sample, and the model's first axis (its batch) is the LSTM's time axis here.
    assert lstm.macs * read.batch_size == steps * 4 * hidden * (features + hidden)
    assert resize.known and resize.output_shapes == [(steps, 1, 2, 2 * hidden)]
    assert not [layer.name for layer in read.layers if not layer.known]


def numpy_helper_array(name: str, values: list, dtype) -> object:
    from onnx import numpy_helper

    return numpy_helper.from_array(np.array(values, dtype=dtype), name)


def test_a_reshape_to_a_scalar_folds(tmp_path: Path) -> None:
    """Shape -> Cast(int32) -> Slice -> Reshape(to the empty shape []) -> Cast -> Unsqueeze ->
    Concat -> Reshape, as paddle2onnx writes PP-OCRv6's attention: the target of the scalar
    Reshape is an initializer with no elements and no data field, a known value all the same."""
    from onnx import TensorProto

    graph = helper.make_graph(
        [
            helper.make_node("Shape", ["x"], ["shape"]),
            helper.make_node("Cast", ["shape"], ["shape32"], to=TensorProto.INT32),
            helper.make_node("Slice", ["shape32", "one", "two", "zero", "one"], ["channels"]),
            helper.make_node("Reshape", ["channels", "scalar"], ["count"]),
            helper.make_node("Cast", ["count"], ["count64"], to=TensorProto.INT64),
            helper.make_node("Unsqueeze", ["count64", "zero"], ["lead"]),
            helper.make_node("Concat", ["lead", "rest"], ["target"], axis=0),
            helper.make_node("Reshape", ["x", "target"], ["rows"]),
            helper.make_node("MatMul", ["rows", "w"], ["y"]),
        ],
        "scalar_reshape",
        [helper.make_tensor_value_info("x", FLOAT, [1, 6, "width"])],
        [helper.make_tensor_value_info("y", FLOAT, None)],
        [
            numpy_helper_array("zero", [0], np.int64),
            numpy_helper_array("one", [1], np.int64),
            numpy_helper_array("two", [2], np.int64),
            helper.make_tensor("scalar", TensorProto.INT64, [0], []),  # no data field at all
            numpy_helper_array("rest", [-1], np.int64),
            weight("w", 8, 5),
        ],
    )
    read = read_model(save(graph, tmp_path / "scalar.onnx", opset=13), input_shapes=[(6, 8)])
    by_name = {layer.name: layer for layer in read.layers}
    assert by_name["Reshape_7"].output_shapes == [(6, 8)]
    assert by_name["MatMul_8"].macs == 6 * 8 * 5 and read.unknown_layers == []


def _rank_test_branches():
    """then: Squeeze the leading 1 away (rank 2); else: Identity (rank 3): ONNX's inference
    cannot give the If one output shape."""
    then = helper.make_graph(
        [helper.make_node("Squeeze", ["x", "axes"], ["squeezed"])],
        "then",
        [],
        [helper.make_tensor_value_info("squeezed", FLOAT, None)],
        [numpy_helper_array("axes", [0], np.int64)],
    )
    otherwise = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["same"])],
        "else",
        [],
        [helper.make_tensor_value_info("same", FLOAT, None)],
    )
    return then, otherwise


def test_an_if_the_shapes_decide_is_read_as_the_branch_it_takes(tmp_path: Path) -> None:
    """torch writes `if x.dim() == 3` as Shape -> Size -> Equal -> If; with the branches'
    outputs of different ranks, every shape after the If was lost (openwakeword's silero VAD:
    0 MACs for the whole model)."""
    then, otherwise = _rank_test_branches()
    graph = helper.make_graph(
        [
            helper.make_node("Shape", ["x"], ["shape"]),
            helper.make_node("Size", ["shape"], ["rank"]),
            helper.make_node("Equal", ["rank", "three"], ["is_3d"]),
            helper.make_node("If", ["is_3d"], ["y"], then_branch=then, else_branch=otherwise),
            helper.make_node("MatMul", ["y", "w"], ["z"]),
        ],
        "decided",
        [helper.make_tensor_value_info("x", FLOAT, [1, 6, 8])],
        [helper.make_tensor_value_info("z", FLOAT, None)],
        [numpy_helper_array("three", 3, np.int64), weight("w", 8, 5)],
    )
    read = read_model(save(graph, tmp_path / "decided.onnx", opset=13))
    matmul = next(layer for layer in read.layers if layer.type == "MatMul")
    assert matmul.input_shapes == [(6, 8)] and matmul.macs == 6 * 8 * 5
    assert read.unknown_layers == [] and not any(layer.type == "If" for layer in read.layers)
    assert any("only its then branch runs" in note for note in read.notes)


def test_a_dynamically_quantized_lstm_is_an_lstm_and_the_graph_goes_on(tmp_path: Path) -> None:
    """onnxruntime's quantize_dynamic turns an LSTM into com.microsoft:DynamicQuantizeLSTM
    (int8 weights, transposed), whose output shapes ONNX's inference does not know: the reader
    prices it as the LSTM it is and declares its outputs, so the MatMul after it is read too
    (ddddocr's quantized recogniser lost 404 M of its 911 M MACs)."""
    import onnx

    steps, features, hidden, classes = 7, 6, 4, 3
    int8 = np.int8
    graph = helper.make_graph(
        [
            helper.make_node(
                "DynamicQuantizeLSTM",
                ["x", "W", "R", "B", "", "", "", "", "w_scale", "w_zero", "r_scale", "r_zero"],
                ["y"],
                domain="com.microsoft",
                hidden_size=hidden,
            ),
            helper.make_node("Reshape", ["y", "flat"], ["rows"]),
            helper.make_node("MatMul", ["rows", "head"], ["z"]),
        ],
        "quantized_lstm",
        [helper.make_tensor_value_info("x", FLOAT, [steps, 1, features])],
        [helper.make_tensor_value_info("z", FLOAT, None)],
        [
            numpy_helper_array("W", np.zeros((1, features, 4 * hidden)), int8),
            numpy_helper_array("R", np.zeros((1, hidden, 4 * hidden)), int8),
            weight("B", 1, 8 * hidden),
            numpy_helper_array("w_scale", [0.1], np.float32),
            numpy_helper_array("w_zero", [0], int8),
            numpy_helper_array("r_scale", [0.1], np.float32),
            numpy_helper_array("r_zero", [0], int8),
            numpy_helper_array("flat", [steps, hidden], np.int64),
            weight("head", hidden, classes),
        ],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
    )
    path = tmp_path / "quantized.onnx"
    onnx.save(model, str(path))
    read = read_model(path)
    by_type = {layer.type: layer for layer in read.layers}
    lstm = by_type["com.microsoft:DynamicQuantizeLSTM"]
    assert lstm.known and lstm.keras_class == "LSTM"
    assert lstm.output_shapes[0] == (steps, 1, 1, hidden)
    assert by_type["MatMul"].input_shapes == [(steps, hidden)]
    assert read.unknown_layers == []


def test_a_grid_sized_by_a_float_cast_of_a_shape_is_sized(tmp_path: Path) -> None:
    """YOLOv8's head (ultralytics' export) builds its anchor grid as Range(0, float(width), 1):
    the Cast of the folded width is written as a float constant, so ONNX sizes the Range and
    every element-wise op of the box decoding after it (8 layers were unknown in nudenet)."""
    from onnx import TensorProto

    graph = helper.make_graph(
        [
            helper.make_node("Shape", ["x"], ["shape"]),
            helper.make_node("Gather", ["shape", "last"], ["width"]),
            helper.make_node("Cast", ["width"], ["limit"], to=TensorProto.FLOAT),
            helper.make_node("Range", ["start", "limit", "step"], ["grid"]),
            helper.make_node("Add", ["grid", "half"], ["centres"]),
            helper.make_node("Sub", ["x", "centres"], ["y"]),
        ],
        "anchors",
        [helper.make_tensor_value_info("x", FLOAT, [1, 4, 6, "width"])],
        [helper.make_tensor_value_info("y", FLOAT, None)],
        [
            numpy_helper_array("last", 3, np.int64),
            numpy_helper_array("start", 0.0, np.float32),
            numpy_helper_array("step", 1.0, np.float32),
            numpy_helper_array("half", 0.5, np.float32),
        ],
    )
    read = read_model(save(graph, tmp_path / "anchors.onnx", opset=13), input_shapes=[(4, 6, 8)])
    by_type = {layer.type: layer for layer in read.layers}
    assert by_type["Range"].output_shapes == [(8,)]
    assert by_type["Sub"].output_shapes == [(1, 4, 6, 8)] and read.unknown_layers == []


def test_a_reshape_the_batch_cannot_fit_says_so(tmp_path: Path) -> None:
    """mne-icalabel's ICLabelNet reshapes its 7 class scores per sample to [4, -1]: it was
    exported for a batch of 4. At batch 1 the Reshape is impossible, and the reader says why
    instead of 'shape unknown'; at batch 4 it reads."""
    graph = helper.make_graph(
        [helper.make_node("Reshape", ["x", "target"], ["y"]), helper.make_node("Relu", ["y"], ["z"])],
        "batch_of_four",
        [helper.make_tensor_value_info("x", FLOAT, ["batch", 7])],
        [helper.make_tensor_value_info("z", FLOAT, None)],
        [numpy_helper_array("target", [4, -1], np.int64)],
    )
    path = save(graph, tmp_path / "four.onnx", opset=13)
    reshape = next(layer for layer in read_model(path).layers if layer.type == "Reshape")
    assert not reshape.known
    assert reshape.note == (
        "cannot reshape 7 elements (1, 7) to [4, -1] at batch 1 (a model exported for another --batch-size?)"
    )
    assert read_model(path, batch_size=4).unknown_layers == []


def test_a_cast_to_the_type_it_has_is_free_and_a_conversion_is_priced(tmp_path: Path) -> None:
    """Keras models exported from its torch backend cast their float input to float32, a no-op
    onnxruntime removes; a Cast that converts (float to half here) runs over every element."""
    graph = helper.make_graph(
        [
            helper.make_node("Cast", ["x"], ["same"], to=TensorProto.FLOAT),
            helper.make_node("Cast", ["same"], ["half"], to=TensorProto.FLOAT16),
        ],
        "casts",
        [helper.make_tensor_value_info("x", FLOAT, [1, 16])],
        [helper.make_tensor_value_info("half", TensorProto.FLOAT16, None)],
    )
    layers = {layer.config["to"]: layer for layer in read_model(save(graph, tmp_path / "cast.onnx")).layers}
    assert layers[TensorProto.FLOAT].keras_class == "Identity"
    assert layers[TensorProto.FLOAT16].keras_class == "TFOpLambda"
