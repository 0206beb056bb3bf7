"""Where a model stood before this change, for "did this pull request make it worse?": its
energy at a git ref (--diff-base REF, read with `git show`, Git LFS pointers resolved by
`git lfs smudge`) or in a saved JSON report of `check` (--baseline FILE, keyed by path). A model
at a ref is estimated with the same profile, batch size and input shapes as now, so that the
change measures the model and nothing else."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from ..errors import EnergyLintError, ModelReadError
from ..graph import ModelGraph, read_model_bytes
from ..impact.quality import sidecar_path
from ..results import BaseEstimate

Price = Callable[[ModelGraph, str, "tuple[str, bytes] | None"], BaseEstimate]
"""Prices a base model: (its graph, the base's name, its sidecar's name and content)."""

LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"
GIT_TIMEOUT_S = 60


class Comparison:
    """The base of one run: gives each checked model its BaseEstimate."""

    def base_for(self, graph: ModelGraph, price: Price) -> BaseEstimate:
        raise NotImplementedError


class GitBase(Comparison):
    def __init__(self, ref: str, cwd: Path | None = None) -> None:
        self.ref = ref
        cwd = cwd or Path.cwd()
        if _git(cwd, "rev-parse", "--is-inside-work-tree", check=False).returncode != 0:
            raise EnergyLintError(f"--diff-base {ref}: {cwd} is not inside a git repository")
        if _git(cwd, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).returncode != 0:
            raise EnergyLintError(f"--diff-base {ref}: no such commit, branch or tag in this repository")

    def base_for(self, graph: ModelGraph, price: Price) -> BaseEstimate:
        path = Path(graph.path).resolve()
        top = _toplevel(path.parent)
        data = self._blob(top, path)
        if data is None:
            return BaseEstimate(self.ref, None)
        spec = f"{self.ref}:{path.relative_to(top).as_posix()}"
        base = _read_base(spec, data, graph)
        sidecar = sidecar_path(path)
        sidecar_data = self._blob(top, sidecar)
        named = (f"{self.ref}:{sidecar.relative_to(top).as_posix()}", sidecar_data) if sidecar_data else None
        return price(base, self.ref, named)

    def _blob(self, top: Path, path: Path) -> bytes | None:
        """A file's content at the ref (Git LFS pointers resolved), or None where it is absent."""
        spec = f"{self.ref}:{path.relative_to(top).as_posix()}"
        if _git(top, "cat-file", "-e", spec, check=False).returncode != 0:
            return None
        data = _git(top, "show", spec).stdout
        return _lfs_smudge(top, spec, data) if data.startswith(LFS_POINTER) else data


class ReportBase(Comparison):
    """A JSON report of an earlier `check` (docs/contracts.md), its models keyed by their paths.

    Its figures are compared as they are, so they must be figures of the same thing: a report
    priced on another profile is refused, and so is a model's entry at another batch size
    (energy per forward pass grows with the batch: an unchanged model read +467%)."""

    def __init__(self, report: Path, profile: str | None = None) -> None:
        self.source = str(report)
        try:
            document = json.loads(report.read_bytes())
        except OSError as error:
            raise EnergyLintError(
                f"--baseline {report}: cannot be read ({error.strerror or error})"
            ) from None
        except ValueError as error:
            raise EnergyLintError(f"--baseline {report}: not valid JSON ({error})") from None
        models = document.get("models") if isinstance(document, dict) else None
        if not isinstance(models, list) or document.get("version") != 1:
            raise EnergyLintError(f"--baseline {report}: not a report of energy-lint check --format json")
        recorded = document.get("profile")
        name = recorded.get("name") if isinstance(recorded, dict) else None
        if profile is not None and isinstance(name, str) and name != profile:
            raise EnergyLintError(
                f"--baseline {report}: priced on profile {name!r}, this run on {profile!r}: "
                f"compare like with like (rerun the baseline or pass --profile {name})"
            )
        self.energy: dict[str, float] = {}
        self.batch: dict[str, int] = {}
        self.quality: dict[str, tuple[float | None, float | None]] = {}
        for model in models:
            if not (isinstance(model, dict) and isinstance(model.get("path"), str)):
                raise EnergyLintError(f"--baseline {report}: a model without a path")
            energy = model.get("energy_j")
            if not isinstance(energy, (int, float)) or isinstance(energy, bool) or energy < 0:
                raise EnergyLintError(f"--baseline {report}: {model['path']}: energy_j is not a number")
            self.energy[_key(model["path"])] = float(energy)
            batch = model.get("batch_size")
            if isinstance(batch, int) and not isinstance(batch, bool):
                self.batch[_key(model["path"])] = batch
            self.quality[_key(model["path"])] = _quality_of(model.get("quality"))

    def base_for(self, graph: ModelGraph, price: Price) -> BaseEstimate:
        key = _key(graph.path)
        batch = self.batch.get(key)
        if key in self.energy and batch is not None and batch != graph.batch_size:
            raise EnergyLintError(
                f"--baseline {self.source} priced it at batch size {batch}, this run at "
                f"{graph.batch_size}: compare like with like (--batch-size {batch})"
            )
        use_energy_j, quality = self.quality.get(key, (None, None))
        return BaseEstimate(self.source, self.energy.get(key), use_energy_j, quality)


def _quality_of(entry: object) -> tuple[float | None, float | None]:
    """(energy in use, quality value) of a report's model entry, where it carries them."""
    if not isinstance(entry, dict):
        return None, None

    def number(key: str) -> float | None:
        value = entry.get(key)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return float(value) if ok else None

    return number("use_energy_j"), number("value")


@functools.cache
def _toplevel(directory: Path) -> Path:
    """The repository holding `directory`: asked of git once per directory, not once per model."""
    return Path(_git(directory, "rev-parse", "--show-toplevel").stdout.decode().strip()).resolve()


def _key(path: str) -> str:
    """Paths as given on the command line, made comparable: ./models/a.keras is models/a.keras."""
    return Path(os.path.normpath(path)).as_posix()


def _read_base(spec: str, data: bytes, graph: ModelGraph) -> ModelGraph:
    """The base model with the input shapes it declares (its input may have changed between the
    two commits); with the current shapes only where it leaves dimensions free."""
    try:
        return read_model_bytes(spec, data, graph.batch_size)
    except ModelReadError as error:
        if "pass --input-shape" not in error.problem:
            raise
    return read_model_bytes(spec, data, graph.batch_size, _input_shapes(graph))


def _input_shapes(graph: ModelGraph) -> tuple[tuple[int, ...], ...]:
    """The input shapes now, without the batch dimension: the base model is priced at the same
    shapes when it leaves them open."""
    return tuple(tuple(int(d) for d in shape[1:]) for shape in graph.input_shapes if None not in shape[1:])


def _lfs_smudge(top: Path, spec: str, pointer: bytes) -> bytes:
    if shutil.which("git-lfs") is None:
        raise ModelReadError(spec, "is a Git LFS pointer and git-lfs is not installed to fetch the model")
    done = subprocess.run(
        ["git", "lfs", "smudge"], input=pointer, capture_output=True, cwd=top, timeout=GIT_TIMEOUT_S
    )
    if done.returncode != 0 or done.stdout.startswith(LFS_POINTER):
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise ModelReadError(
            spec, f"git lfs could not fetch the model ({reason[-1] if reason else 'no content'})"
        )
    return done.stdout


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(["git", *args], capture_output=True, cwd=cwd, timeout=GIT_TIMEOUT_S)
    except FileNotFoundError:
        raise EnergyLintError("git is not installed: --diff-base needs it") from None
    if check and done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise EnergyLintError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return done
