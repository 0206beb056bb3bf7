"""ONNX model files -> ModelGraph. The onnx package (its shape inference) is loaded only here,
and only when an .onnx file is read; a file is walked by positioned reads of its fields' headers,
so the weights' bytes are never read."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from ...errors import EnergyLintError, ModelReadError
from ..files import check_content, open_model_file
from ..model import ModelGraph
from .proto import prune, prune_file
from .reader import read_onnx
from .wire import WireError

__all__ = ["read_onnx_bytes", "read_onnx_file"]


def read_onnx_file(path: Path, batch_size: int, input_shapes: Sequence[Sequence[int]]) -> ModelGraph:
    name = str(path)
    with open_model_file(name, path) as handle:
        check_content(name, path, "onnx", handle.read(16))
        size = os.fstat(handle.fileno()).st_size
        return _read(name, lambda: prune_file(handle.fileno(), size), batch_size, input_shapes)


def read_onnx_bytes(
    name: str, data: bytes, batch_size: int, input_shapes: Sequence[Sequence[int]]
) -> ModelGraph:
    check_content(name, Path(name), "onnx", data[:16])
    return _read(name, lambda: prune(memoryview(data)), batch_size, input_shapes)


def _read(
    name: str, pruned: Callable[[], bytes], batch_size: int, input_shapes: Sequence[Sequence[int]]
) -> ModelGraph:
    try:
        return read_onnx(name, pruned(), batch_size, input_shapes)
    except ModelReadError:
        raise
    except WireError as error:
        raise ModelReadError(name, f"corrupt or truncated ONNX file ({error})") from None
    except EnergyLintError as error:
        raise ModelReadError(name, str(error)) from None
    except RecursionError:
        raise ModelReadError(name, "ONNX subgraphs are nested too deeply") from None
    except ValueError as error:
        raise ModelReadError(name, f"not a valid ONNX model ({error})") from None
