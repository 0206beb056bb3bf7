"""Read every ONNX file of the real-world corpus (other people's packages: the onnx package's
backend test models, rapidocr-onnxruntime, silero-vad, onnxruntime's samples) and record what
energy-lint makes of it: params, MACs per sample, unknown nodes, the energy of one forward pass
priced by the default bundled profile, or the one-line error.

    python3 /work/shared/realworld/fetch.py DIR                 # pip download, check sha256
    .venv-test/bin/python benchmarks/onnx_realworld.py DIR      # print the table
    .venv-test/bin/python benchmarks/onnx_realworld.py DIR --write

MANIFEST.tsv (beside fetch.py) lists the files. Symbolic input dimensions are filled as a user
would, with --input-shape values chosen per model below (the sizes their packages feed them);
a file with none listed is read with its own shapes. The onnx package's pytorch-converted,
pytorch-operator, simple and real/ test files are read too but only counted in the summary.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from _common import machine, machine_lines, markdown_table, write_section

MANIFEST = Path("/work/shared/realworld/MANIFEST.tsv")
INPUT_SHAPES = {
    "ch_PP-OCRv4_det_infer.onnx": [(3, 640, 640)],
    "ch_PP-OCRv4_rec_infer.onnx": [(3, 48, 320)],
    "ch_ppocr_mobile_v2.0_cls_infer.onnx": [(3, 48, 192)],
    "silero_vad.onnx": [(512,), (1, 128)],
    "silero_vad_16k_op15.onnx": [(512,)],
    "silero_vad_half.onnx": [(512,)],
    "silero_vad_op18_ifless.onnx": [(512,)],
}
HEADER = [
    "file", "package", "--input-shape", "params", "MACs per sample",
    "unknown nodes / nodes", "energy mJ", "result",
]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="the directory fetch.py filled")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    options = parser.parse_args()
    from energy_lint.errors import ModelReadError
    from energy_lint.estimation.forward_pass import estimate
    from energy_lint.estimation.profile import default_profile, load_profile
    from energy_lint.graph import read_model

    profile = load_profile(default_profile())

    with options.manifest.open() as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["format"] == "onnx"]
    table, counted, failed, tracebacks = [], 0, 0, 0
    for row in rows:
        path = options.corpus / row["file"]
        name = Path(row["file"]).name
        shapes = INPUT_SHAPES.get(name, [])
        try:
            graph = read_model(path, 1, shapes)
            energy = estimate(graph, profile).energy_j
            result = (
                "params",
                graph.params,
                graph.macs,
                len(graph.unknown_layers),
                len(graph.layers),
                energy,
            )
        except ModelReadError as error:
            result = ("error", error.problem)
        except Exception as error:  # a traceback: the thing this benchmark exists to catch
            result = ("traceback", f"{type(error).__name__}: {error}")
        counted += 1
        failed += result[0] == "error"
        tracebacks += result[0] == "traceback"
        if "/light/" not in row["file"] and row["package"] == "onnx":
            continue  # the onnx package's operator tests: counted, not listed
        shape_text = " ".join(",".join(map(str, s)) for s in shapes) or "-"
        if result[0] == "params":
            _, params, macs, unknown, nodes, energy = result
            package = f"{row['package']} {row['version']}"
            table.append(
                [
                    name,
                    package,
                    shape_text,
                    f"{params:,}",
                    f"{macs / 1e6:,.1f} M",
                    f"{unknown} / {nodes}",
                    f"{energy * 1e3:,.1f}",
                    "read",
                ]
            )
        else:
            table.append(
                [
                    name,
                    f"{row['package']} {row['version']}",
                    shape_text,
                    "",
                    "",
                    "",
                    "",
                    f"{result[0]}: {result[1]}",
                ]
            )
    body = "\n".join([
        "## Real ONNX files from other people's packages (benchmarks/onnx_realworld.py)", "",
        *machine_lines(machine()),
        "- Command: `python benchmarks/onnx_realworld.py CORPUS --write`"
        " (CORPUS filled by /work/shared/realworld/fetch.py)",
        "",
        markdown_table(HEADER, table, right=[3, 4, 6]),
        "",
        f"{counted} ONNX files read (the onnx package's operator test models included): "
        f"{counted - failed - tracebacks} read, {failed} refused with a one-line error, "
        f"{tracebacks} tracebacks.",
        "Unknown nodes are kept and reported (EL303): the MACs of such a model are a lower bound.",
    ])  # fmt: skip
    print(body)
    if options.write:
        write_section("onnx-realworld", body)
    return 1 if tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())
