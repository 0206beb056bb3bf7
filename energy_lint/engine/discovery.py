"""Turn the paths a user gives into model files: directories are searched, nothing is guessed."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from ..errors import ModelReadError
from ..graph.files import SUFFIXES, file_format

SKIPPED_DIRECTORIES = {"node_modules", "__pycache__", "site-packages"}
_JSON_SNIFF_BYTES = 4096


def discover(paths: Iterable[Path], skip_non_models: bool = False) -> tuple[list[Path], list[ModelReadError]]:
    """Model files under `paths` in a stable order, and one error per path that is no model file.

    A file named explicitly is returned (the reader reports what is wrong with it), unless
    `skip_non_models` says that names come from a tool that passes every matching file
    (pre-commit): then, as in a searched directory, JSON files that are not Keras configs and
    weights-only .h5 files are skipped silently. A directory named like a model file is an error,
    and so is a directory with no model file in it: a check of nothing never passes silently
    (as pytest fails when it collects no test); the error says what was found and skipped."""
    found: dict[Path, None] = {}
    errors: list[ModelReadError] = []
    for path in paths:
        if path.is_dir() and file_format(path) is None:
            skipped: Counter[str] = Counter()
            before = len(found)
            for candidate in _walk(path, errors, skipped):
                found.setdefault(candidate)
            if len(found) == before and not any(_under(e.path, path) for e in errors):
                errors.append(ModelReadError(str(path), _nothing_found(skipped)))
        elif skip_non_models and path.is_file() and not _is_model_candidate(path):
            continue
        elif path.exists() or path.is_symlink():
            found.setdefault(path)
        else:
            errors.append(ModelReadError(str(path), "no such file or directory"))
    return list(found), errors


def _under(name: str, root: Path) -> bool:
    return Path(name) == root or root in Path(name).parents


READ = ", ".join(dict.fromkeys(SUFFIXES))
"""The suffixes energy-lint reads, as a message names them."""


def _nothing_found(skipped: Counter[str]) -> str:
    if not skipped:
        return f"no model file found ({READ}): the directory has no files"
    kinds = ", ".join(
        f"{count} {kind}" for kind, count in sorted(skipped.items(), key=lambda i: (-i[1], i[0]))
    )
    total = sum(skipped.values())
    return f"no model file found ({READ}); skipped {total} file{'s' if total > 1 else ''}: {kinds}"


def _skip_kind(path: Path) -> str:
    if path.name.endswith(".weights.h5"):
        return "weights-only .weights.h5"
    if file_format(path) == "json":
        return ".json not a Keras config"
    return path.suffix.lower() or "without suffix"


def _walk(root: Path, errors: list[ModelReadError], skipped: Counter[str]) -> Iterable[Path]:
    for directory, subdirectories, files in os.walk(root):
        here = Path(directory)
        kept = []
        for name in sorted(subdirectories):
            if file_format(Path(name)) is not None:
                errors.append(ModelReadError(str(here / name), "is a directory, not a model file"))
            elif not name.startswith(".") and name not in SKIPPED_DIRECTORIES:
                kept.append(name)
        subdirectories[:] = kept
        for name in sorted(files):
            path = here / name
            if _is_model_candidate(path):
                yield path
            else:
                skipped[_skip_kind(path)] += 1


def _is_model_candidate(path: Path) -> bool:
    kind = file_format(path)
    if kind is None or path.name.endswith(".weights.h5"):
        return False
    return kind != "json" or _looks_like_keras_json(path)


def _looks_like_keras_json(path: Path) -> bool:
    """A searched JSON file is a model candidate if it starts like a Keras config or a Hugging
    Face config.json (a model_type; tokenizer and generation configs have none)."""
    if not path.is_file():
        return True  # a pipe could block forever: the reader refuses it with a message
    try:
        with path.open("rb") as handle:
            head = handle.read(_JSON_SNIFF_BYTES)
    except OSError:
        return True  # let the reader report why it cannot be read
    return b'"class_name"' in head or b'"model_type"' in head
