"""Are energy-lint's MACs right? keras.applications models against published figures and
against TensorFlow's own FLOP profiler.

    /work/main/.venv/bin/python benchmarks/macs_published.py            # print the tables
    /work/main/.venv/bin/python benchmarks/macs_published.py --write    # and update RESULTS.md

Needs Keras and TensorFlow (the `.venv-test` of ./scripts/test, or pip install '.[test]'). Each
model is built with weights=None, its model.to_json() is written to a temporary file and
`energy-lint inspect --format json` is run on that file in a separate process: energy-lint's
figure comes from the CLI alone, never from Keras.

Two checks:
1. Published MACs (multiply-accumulates per image) from the original papers, and from
   torchvision's model table where the architecture is the same. Each figure's source is in
   PUBLISHED below. Papers of this era say "FLOPs" or "Mult-Adds" but count one multiply-add as
   one operation (He et al. 2016, Sec. 3.3: "3.6 billion FLOPs (multiply-adds)"), so they are
   comparable with MACs directly.
2. An independent count that needs no published number: the model's forward pass (batch 1) is
   traced to a TensorFlow graph, frozen, and tf.compat.v1.profiler counts its float operations
   with ProfileOptionBuilder.float_operation(). TensorFlow counts 2 FLOPs per multiply-add for
   Conv2D, DepthwiseConv2dNative and MatMul, and 1 FLOP per element for the element-wise ops it
   knows (BiasAdd, Add, Mul, Sub, Rsqrt, pooling, ...), which energy-lint counts as 0 MACs.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from _common import energy_lint_command, machine, machine_lines, markdown_table, write_section

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

G, M = 1e9, 1e6

# Sources of the published figures (all per image, one multiply-add = 1):
HE_2016 = "He et al. 2016 (ResNet), Table 1"
HE_2016_VGG = "He et al. 2016 (ResNet), Sec. 3.3: VGG-19 19.6 billion FLOPs (multiply-adds)"
HOWARD_2017 = "Howard et al. 2017 (MobileNets), Table 8: 569 M Mult-Adds"
SANDLER_2018 = "Sandler et al. 2018 (MobileNetV2), Table 4: 300 M MAdds"
HOWARD_2019 = "Howard et al. 2019 (MobileNetV3), Table 3"
SZEGEDY_2016 = "Szegedy et al. 2016 (Inception-v3), abstract: 5 billion multiply-adds"
TAN_2019 = "Tan & Le 2019 (EfficientNet), Table 2: 0.39 B FLOPS"
LIU_2022 = "Liu et al. 2022 (ConvNeXt), Table 1: 4.5 G FLOPs (fvcore, i.e. MACs)"
ZOPH_2018 = "Zoph et al. 2018 (NASNet), Table 2: NASNet-A (4 @ 1056) 564 M Mult-Adds"
# torchvision's model table ("GFLOPS" column, the `_ops` field of each weights' meta in
# torchvision/models/*.py, added in pytorch/vision PR #6936). Its values are multiply-adds: VGG16,
# which has nothing but convolutions and dense layers, is listed at 15.47, its MAC count; its
# FLOP count would be 30.9. Only used where torchvision's architecture is keras' one.
TORCHVISION = "torchvision model table (`_ops`)"


@dataclass(frozen=True)
class Published:
    macs: float
    source: str
    note: str = ""


@dataclass
class Case:
    label: str
    build: str
    """keras.applications constructor name."""
    kwargs: dict = field(default_factory=dict)
    published: list[Published] = field(default_factory=list)
    stride_on_3x3: bool = False
    """Move the stride of each stage's first bottleneck from the 1x1 to the 3x3 conv (v1.5)."""


RESNET_V1_NOTE = (
    "keras' ResNet is v1: stride 2 on the first 1x1 conv of stages 3-5, like the paper. "
    "torchvision's is v1.5 (stride on the 3x3 conv), whose 1x1 conv runs at 4x the positions"
)
V15_NOTE = "keras' ResNet with the stride moved to the 3x3 conv by editing the config: v1.5, as torchvision"

CASES = [
    Case(
        "ResNet50",
        "ResNet50",
        published=[
            Published(3.8 * G, HE_2016 + ": 3.8e9 FLOPs", "same architecture (v1); the paper gives 2 digits"),
            Published(4.089 * G, TORCHVISION + ": resnet50 4.089", RESNET_V1_NOTE),
        ],
    ),
    Case(
        "ResNet50, stride on 3x3 (v1.5)",
        "ResNet50",
        published=[Published(4.089 * G, TORCHVISION + ": resnet50 4.089", V15_NOTE)],
        stride_on_3x3=True,
    ),
    Case("ResNet50V2", "ResNet50V2"),  # no published MAC count for keras' v2 variant
    Case(
        "ResNet101",
        "ResNet101",
        published=[
            Published(7.6 * G, HE_2016 + ": 7.6e9 FLOPs", "same architecture (v1)"),
            Published(7.801 * G, TORCHVISION + ": resnet101 7.801", RESNET_V1_NOTE),
        ],
    ),
    Case(
        "ResNet101, stride on 3x3 (v1.5)",
        "ResNet101",
        published=[Published(7.801 * G, TORCHVISION + ": resnet101 7.801", V15_NOTE)],
        stride_on_3x3=True,
    ),
    Case(
        "VGG16",
        "VGG16",
        # Simonyan & Zisserman 2015 give no operation count.
        published=[Published(15.47 * G, TORCHVISION + ": vgg16 15.47", "the VGG paper gives no count")],
    ),
    Case(
        "VGG19",
        "VGG19",
        published=[
            Published(19.6 * G, HE_2016_VGG),
            Published(19.632 * G, TORCHVISION + ": vgg19 19.632"),
        ],
    ),
    Case("MobileNet", "MobileNet", published=[Published(569 * M, HOWARD_2017, "1.0 MobileNet-224")]),
    Case(
        "MobileNetV2",
        "MobileNetV2",
        published=[
            Published(300 * M, SANDLER_2018, "width 1.0, 224"),
            Published(0.301 * G, TORCHVISION + ": mobilenet_v2 0.301"),
        ],
    ),
    Case(
        "MobileNetV3Small",
        "MobileNetV3Small",
        {"input_shape": (224, 224, 3)},
        published=[
            Published(56 * M, HOWARD_2019 + ": V3-Small 1.0 56 M MAdds"),
            Published(0.057 * G, TORCHVISION + ": mobilenet_v3_small 0.057"),
        ],
    ),
    Case(
        "MobileNetV3Large",
        "MobileNetV3Large",
        {"input_shape": (224, 224, 3)},
        published=[
            Published(219 * M, HOWARD_2019 + ": V3-Large 1.0 219 M MAdds"),
            Published(0.217 * G, TORCHVISION + ": mobilenet_v3_large 0.217"),
        ],
    ),
    Case(
        "InceptionV3 (299)",
        "InceptionV3",
        published=[
            Published(5 * G, SZEGEDY_2016, "a round figure"),
            Published(5.713 * G, TORCHVISION + ": inception_v3 5.713", "299x299, no auxiliary head"),
        ],
    ),
    # Chollet 2017 reports parameters and training speed but no operation count, and we found
    # no primary source for the 8.4 G sometimes quoted: only the TensorFlow check below.
    Case("Xception (299)", "Xception"),
    Case(
        "DenseNet121",
        "DenseNet121",
        # Huang et al. 2017 plot FLOPs (Fig. 3) but give no number for DenseNet-121.
        published=[Published(2.834 * G, TORCHVISION + ": densenet121 2.834", "the paper only plots it")],
    ),
    Case(
        "EfficientNetB0",
        "EfficientNetB0",
        published=[
            Published(0.39 * G, TAN_2019),
            Published(0.386 * G, TORCHVISION + ": efficientnet_b0 0.386"),
        ],
    ),
    Case(
        "ConvNeXtTiny",
        "ConvNeXtTiny",
        published=[
            Published(4.5 * G, LIU_2022),
            Published(4.456 * G, TORCHVISION + ": convnext_tiny 4.456"),
        ],
    ),
    Case("NASNetMobile", "NASNetMobile", published=[Published(564 * M, ZOPH_2018)]),
]

MAC_OPS = {
    "Conv2D",
    "Conv3D",
    "DepthwiseConv2dNative",
    "MatMul",
    "BatchMatMul",
    "BatchMatMulV2",
    "BatchMatMulV3",
    "Conv2DBackpropInput",
    "Einsum",
}
"""TensorFlow op types whose FLOPs are 2 x multiply-adds; everything else it counts is element-wise."""


def move_strides_to_3x3(config: dict) -> dict:
    """ResNet v1 -> v1.5: in each stage's first block, stride 1 on the 1x1 conv, 2 on the 3x3."""
    config = copy.deepcopy(config)
    moved = 0
    for layer in config["config"]["layers"]:
        name = layer["config"]["name"]
        if "_block1_" not in name or not name.startswith(("conv3_", "conv4_", "conv5_")):
            continue
        if name.endswith("_1_conv"):
            assert list(layer["config"]["strides"]) == [2, 2], name
            layer["config"]["strides"] = [1, 1]
            moved += 1
        elif name.endswith("_2_conv"):
            layer["config"]["strides"] = [2, 2]
            assert layer["config"]["padding"] == "same", name
    assert moved == 3, f"expected 3 strided 1x1 convs, found {moved}"
    return config


def energy_lint_macs(cli: list[str], path: Path) -> tuple[int, int, int]:
    """(MACs, params, unknown layers) from `energy-lint inspect PATH --format json`."""
    done = subprocess.run([*cli, "inspect", str(path), "--format", "json"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"energy-lint failed on {path}: {done.stderr.strip()}")
    model = json.loads(done.stdout)["models"][0]
    return model["macs"], model["params"], model["unknown_layers"]


@dataclass
class TfCount:
    total: int
    mac_ops: int
    """FLOPs of the conv/matmul ops (2 per multiply-add)."""
    other: dict[str, int]
    """FLOPs of every other op type, by type."""
    calls: int
    """Function calls whose bodies were profiled separately (see tf_profile)."""
    call_mac_ops: int
    """The part of mac_ops found inside those bodies."""
    unknown_shapes: int
    """Ops of the top graph with an output of unknown shape: TF counts no FLOPs for them."""


def _float_ops_by_type(graph) -> dict[str, int]:
    """tf.compat.v1.profiler's float operations of one graph, per op type."""
    import tensorflow as tf

    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    profile = tf.compat.v1.profiler.profile(graph=graph, cmd="scope", options=options)
    own: dict[str, int] = {}

    def walk(node) -> None:
        if node.float_ops:
            own[node.name] = node.float_ops
        for child in node.children:
            walk(child)

    walk(profile)
    if sum(own.values()) != profile.total_float_ops:
        raise RuntimeError("per-node float ops do not add up to the profile's total")
    by_type: dict[str, int] = {}
    for name, flops in own.items():
        kind = graph.get_operation_by_name(name).type
        by_type[kind] = by_type.get(kind, 0) + flops
    return by_type


def _called_bodies(graph, library: dict) -> list:
    """The bodies of the function calls in `graph` (recursively), as graphs with known shapes.

    Keras' TensorFlow backend runs some ops (grouped convolutions, e.g. ConvNeXt's depthwise
    7x7) inside a tf.function(jit_compile=True): a StatefulPartitionedCall whose body the
    profiler does not look into. Each body is rebuilt from the graph's function library with
    the call's input shapes."""
    from tensorflow.python.framework.function_def_to_graph import function_def_to_graph

    bodies = []
    for op in graph.get_operations():
        if op.type in ("PartitionedCall", "StatefulPartitionedCall"):
            body = function_def_to_graph(
                library[op.get_attr("f").name], input_shapes=[tensor.shape for tensor in op.inputs]
            )
            bodies += [body, *_called_bodies(body, library)]
    return bodies


def tf_profile(model) -> TfCount:
    """Float operations of one forward pass (batch 1) by TensorFlow's profiler."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    spec = tf.TensorSpec([1, *model.inputs[0].shape[1:]], tf.float32)
    concrete = tf.function(lambda x: model(x, training=False)).get_concrete_function(spec)
    graph = convert_variables_to_constants_v2(concrete).graph
    library = {f.signature.name: f for f in graph.as_graph_def().library.function}
    by_type = _float_ops_by_type(graph)
    bodies = _called_bodies(graph, library)
    call_mac_ops = 0
    for body in bodies:
        for kind, flops in _float_ops_by_type(body).items():
            by_type[kind] = by_type.get(kind, 0) + flops
            call_mac_ops += flops if kind in MAC_OPS else 0
    mac_ops = sum(v for k, v in by_type.items() if k in MAC_OPS)
    other = {k: v for k, v in by_type.items() if k not in MAC_OPS}
    unknown = sum(
        1 for op in graph.get_operations() if not all(out.shape.is_fully_defined() for out in op.outputs)
    )
    return TfCount(mac_ops + sum(other.values()), mac_ops, other, len(bodies), call_mac_ops, unknown)


@dataclass
class Result:
    case: Case
    size: int
    macs: int
    params: int
    keras_params: int
    unknown_layers: int
    tf: TfCount | None


def count(value: float) -> str:
    return f"{value / G:.3f} G" if value >= G else f"{value / M:.1f} M"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-tf", action="store_true", help="skip the TensorFlow profiler check")
    parser.add_argument("--only", nargs="*", help="labels of the cases to run (default: all)")
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    options = parser.parse_args()

    info = machine()
    cli = energy_lint_command()
    import keras  # for building the models only: energy-lint's figures come from its CLI

    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="macs-") as tmp:
        for case in CASES:
            if options.only and case.label not in options.only:
                continue
            print(f"{case.label} ...", flush=True)
            model = getattr(keras.applications, case.build)(weights=None, **case.kwargs)
            config = json.loads(model.to_json())
            if case.stride_on_3x3:
                config = move_strides_to_3x3(config)
                model = keras.models.model_from_json(json.dumps(config))
            path = Path(tmp) / f"{case.build}{'_v1_5' if case.stride_on_3x3 else ''}.json"
            path.write_text(json.dumps(config))
            macs, params, unknown = energy_lint_macs(cli, path)
            tf_count = None if options.no_tf else tf_profile(model)
            size = model.inputs[0].shape[1]
            results.append(Result(case, size, macs, params, model.count_params(), unknown, tf_count))
            keras.backend.clear_session()

    published_rows = []
    for r in results:
        if not r.case.published:
            published_rows.append(
                [
                    r.case.label,
                    r.size,
                    f"{r.params:,}",
                    count(r.macs),
                    "none",
                    "",
                    "",
                    "see the TensorFlow check",
                ]
            )
        for figure in r.case.published:
            diff = (r.macs - figure.macs) / figure.macs * 100
            published_rows.append(
                [
                    r.case.label,
                    r.size,
                    f"{r.params:,}",
                    count(r.macs),
                    count(figure.macs),
                    figure.source,
                    f"{diff:+.1f}%",
                    figure.note,
                ]
            )
    published_table = markdown_table(
        ["Model", "Input", "Params", "energy-lint MACs", "Published", "Source", "Diff", "Note"],
        published_rows,
        right=(1, 2, 3, 4, 6),
    )

    tf_lines: list[str] = []
    profiled = [r for r in results if r.tf is not None]
    if profiled:
        tf_rows = []
        for r in profiled:
            others = sorted(r.tf.other.items(), key=lambda item: -item[1])
            shown = ", ".join(f"{k} {count(v)}" for k, v in others[:4])
            tf_macs = r.tf.mac_ops // 2
            tf_rows.append(
                [
                    r.case.label,
                    f"{r.macs:,}",
                    f"{r.tf.total:,}",
                    f"{tf_macs:,}",
                    "1 (equal)" if r.macs == tf_macs else f"{r.macs / tf_macs:.4f}",
                    f"{r.macs / (r.tf.total / 2):.3f}",
                    shown,
                    f"{r.tf.calls} / {r.tf.unknown_shapes}",
                ]
            )
        equal = sum(r.macs == r.tf.mac_ops // 2 for r in profiled)
        with_calls = [r for r in profiled if r.tf.calls]
        calls_text = "".join(
            f" Without them TensorFlow's MAC count for {r.case.label} would be"
            f" {count(r.tf.call_mac_ops / 2)} ({r.tf.call_mac_ops / r.tf.mac_ops:.1%}) short."
            for r in with_calls
        )
        tf_lines = [
            "### TensorFlow profiler",
            "",
            "`tf.compat.v1.profiler.profile(graph, cmd='scope',"
            " options=ProfileOptionBuilder.float_operation())` on the frozen graph of"
            " `tf.function(lambda x: model(x, training=False))` at batch 1, then per-node counts grouped"
            " by op type. TF counts 2 FLOPs per multiply-add for Conv2D, DepthwiseConv2dNative and"
            " MatMul, so (conv+matmul FLOPs) / 2 is TensorFlow's own MAC count; the rest are"
            " element-wise ops (bias adds, batch-norm arithmetic, residual adds, pooling, scaling) that"
            " energy-lint counts as 0 MACs by design, which is why energy-lint / (all / 2) is 0.95-1.0.",
            "",
            f"energy-lint's MACs equal TensorFlow's conv+matmul count exactly for {equal} of"
            f" {len(profiled)} models.",
            "",
            "Keras' TensorFlow backend runs grouped convolutions (ConvNeXt's depthwise 7x7 is a Conv2D"
            " with groups) inside `tf.function(jit_compile=True)`: a StatefulPartitionedCall that the"
            " profiler does not enter and whose output shape is unknown. The script rebuilds each such"
            " function body from the graph's library with the call's input shapes and profiles it too"
            f' (the "calls" column).{calls_text} The element-wise ops downstream of such a call still'
            ' have unknown shapes ("ops of unknown shape") and get no FLOPs, so for those models the'
            " all-ops figure is a lower bound.",
            "",
            markdown_table(
                [
                    "Model",
                    "energy-lint MACs",
                    "TF FLOPs (all ops)",
                    "TF conv+matmul FLOPs / 2",
                    "energy-lint / (conv+matmul / 2)",
                    "energy-lint / (all / 2)",
                    "Largest element-wise TF FLOPs (0 MACs in energy-lint)",
                    "Calls profiled separately / ops of unknown shape",
                ],
                tf_rows,
                right=(1, 2, 3, 4, 5),
            ),
            "",
        ]

    mismatched = [r.case.label for r in results if r.params != r.keras_params]
    unknowns = [r.case.label for r in results if r.unknown_layers]
    lines = [
        "## MACs against published figures and TensorFlow's profiler (benchmarks/macs_published.py)",
        "",
        *machine_lines(info),
        f"- Command: `{sys.executable} benchmarks/macs_published.py --write`",
        f"- Keras {keras.__version__}; every model built with weights=None at its default input size;"
        " energy-lint read its model.to_json() through `energy-lint inspect --format json`.",
        "- Params: energy-lint's count equals keras' count_params() for every model."
        if not mismatched
        else f"- Params differ from keras' count_params() for: {', '.join(mismatched)}.",
        "- Unknown layers: none."
        if not unknowns
        else f"- Models with unknown layers: {', '.join(unknowns)}.",
        "",
        "### Published figures",
        "",
        'Diff = (energy-lint - published) / published. The papers\' "FLOPs" and "Mult-Adds" count one'
        ' multiply-add as one operation, as MACs do; torchvision\'s `_ops` (its "GFLOPS" column) are'
        " multiply-adds too (VGG16, only convolutions and dense layers, is listed at its MAC count 15.47).",
        "",
        published_table,
        "",
        "ResNet50: keras' ResNet50 is the original ResNet v1, stride 2 on the first 1x1 convolution of"
        " stages 3-5, and He et al. report 3.8e9 multiply-adds for it. The widely quoted 4.1 G is"
        " torchvision's ResNet-50 v1.5, which puts the stride on the 3x3 convolution: the 1x1 before it"
        " then runs at the full resolution (4x the positions), which adds about 0.23 G. Moving the"
        " stride in keras' config (row \"stride on 3x3\") makes energy-lint give torchvision's figure.",
        "",
    ]
    lines += tf_lines
    report = "\n".join(lines)
    print(report)
    if options.write:
        print(f"wrote {write_section('macs_published', report)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
