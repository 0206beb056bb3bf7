"""Turn the paths a user gives into model files: directories are searched, nothing is guessed."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import ModelReadError
from ..graph.files import file_format

SKIPPED_DIRECTORIES = {"node_modules", "__pycache__", "site-packages"}
_JSON_SNIFF_BYTES = 4096


def discover(paths: Iterable[Path], skip_non_models: bool = False) -> tuple[list[Path], list[ModelReadError]]:
    """Model files under `paths` in a stable order, and one error per path that is no model file.

    A file named explicitly is returned (the reader reports what is wrong with it), unless
    `skip_non_models` says that names come from a tool that passes every matching file
    (pre-commit): then, as in a searched directory, JSON files that are not Keras configs and
    weights-only .h5 files are skipped silently. A directory named like a model file is an error."""
    found: dict[Path, None] = {}
    errors: list[ModelReadError] = []
    for path in paths:
        if path.is_dir() and file_format(path) is None:
            for candidate in _walk(path, errors):
                found.setdefault(candidate)
        elif skip_non_models and path.is_file() and not _is_model_candidate(path):
            continue
        elif path.exists() or path.is_symlink():
            found.setdefault(path)
        else:
            errors.append(ModelReadError(str(path), "no such file or directory"))
    return list(found), errors


def _walk(root: Path, errors: list[ModelReadError]) -> Iterable[Path]:
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
