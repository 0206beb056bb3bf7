"""Where in a model file a finding points, for the formats that annotate files (SARIF, GitHub
workflow commands): the path relative to the current directory, and in a JSON config the line
and column of the layer's `"name"`. A .keras or .h5 file has no lines a reviewer could read, so
its findings point at line 1."""

from __future__ import annotations

import bisect
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

MAX_TEXT_BYTES = 64 * 1024 * 1024
"""A JSON config larger than this is not searched (the reader refuses it anyway)."""
TEXT_SUFFIXES = (".json",)
_NAME = re.compile(r'"name"\s*:\s*("(?:[^"\\]|\\.)*")')
_CALL = re.compile(r"@\d+$")


@dataclass(frozen=True)
class Position:
    line: int
    column: int | None = None
    """1-based, in UTF-16 code units (SARIF's default column kind); None when unknown."""


FILE_START = Position(1)


def relative_path(path: str, cwd: Path | None = None) -> str | None:
    """`path` relative to `cwd` (default: the current directory) in posix form, or None when
    the file lies outside it: annotations and SARIF URIs name files from the checkout's root."""
    cwd = cwd or Path.cwd()
    try:
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(cwd))
    except ValueError:  # another drive on Windows
        return None
    relative = Path(relative).as_posix()
    return None if relative == ".." or relative.startswith("../") else relative


def name_index(text: str) -> dict[str, list[int]]:
    """Every `"name": "..."` of a JSON text: decoded name -> offsets of the key, in order."""
    index: dict[str, list[int]] = {}
    for match in _NAME.finditer(text):
        try:
            name = json.loads(match.group(1))
        except ValueError:
            continue
        index.setdefault(name, []).append(match.start())
    return index


def layer_offset(index: dict[str, list[int]], layer: str) -> int | None:
    """Offset of a graph layer's name: "outer/inner" (a nested model's layer) is the first
    `inner` after `outer`; "dense@1" (a shared layer's second call) is `dense` itself."""
    offset = 0
    found = None
    for part in layer.split("/") if layer not in index else [layer]:
        candidates = index.get(part) or index.get(_CALL.sub("", part)) or []
        at = bisect.bisect_left(candidates, offset)
        if at == len(candidates):
            return None
        found = candidates[at]
        offset = found + 1
    return found


def position_at(text: str, offset: int) -> Position:
    start = text.rfind("\n", 0, offset) + 1
    column = len(text[start:offset].encode("utf-16-le")) // 2 + 1
    return Position(text.count("\n", 0, offset) + 1, column)


class LayerLocator:
    """Finds layers in model files, reading and indexing each JSON config once."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[str, dict[str, list[int]]] | None] = {}

    def position(self, path: str, layer: str | None) -> Position:
        """The layer's `"name"` in a JSON config; line 1 for a model-level finding, a binary
        file, or a name not found."""
        if layer is None or not path.lower().endswith(TEXT_SUFFIXES):
            return FILE_START
        if path not in self._files:
            self._files[path] = _indexed(Path(path))
        indexed = self._files[path]
        if indexed is None:
            return FILE_START
        text, index = indexed
        offset = layer_offset(index, layer)
        return FILE_START if offset is None else position_at(text, offset)


def _indexed(path: Path) -> tuple[str, dict[str, list[int]]] | None:
    try:
        if path.stat().st_size > MAX_TEXT_BYTES:
            return None
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return text, name_index(text)
