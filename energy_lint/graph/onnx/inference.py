"""ONNX's own shape inference (the onnx package's C++ extension), on a pruned model in memory.

The extension takes and returns serialized bytes, so the reader loads it alone: `import onnx`
would also load protobuf's Python runtime and onnx's helpers (about 90 ms and tens of MiB) only
to wrap the same call. Where the extension cannot be loaded alone, the package is imported."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from ...errors import EnergyLintError, first_line
from ..killable import Work, run_killable

_EXTENSION = "onnx.onnx_cpp2py_export"


class OnnxUnavailable(EnergyLintError):
    """The onnx package is not installed."""


def _extension() -> ModuleType:
    loaded = sys.modules.get(_EXTENSION)
    if loaded is not None:
        return loaded
    spec = importlib.util.find_spec("onnx")
    if spec is None or not spec.submodule_search_locations:
        raise OnnxUnavailable("reading .onnx files needs the onnx package: pip install onnx")
    for folder in spec.submodule_search_locations:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            candidate = Path(folder) / f"onnx_cpp2py_export{suffix}"
            if candidate.is_file():
                extension_spec = importlib.util.spec_from_file_location(_EXTENSION, candidate)
                if extension_spec is None or extension_spec.loader is None:
                    break
                module = importlib.util.module_from_spec(extension_spec)
                # Registered under its own name, so that a later `import onnx` reuses it.
                sys.modules[_EXTENSION] = module
                try:
                    extension_spec.loader.exec_module(module)
                except Exception:
                    del sys.modules[_EXTENSION]
                    break
                return module
    from onnx import onnx_cpp2py_export  # the package's own way, where the file is elsewhere

    return onnx_cpp2py_export


INFERENCE = Work("running", "ONNX shape inference", "ONNX", "a damaged file?")
INFERENCE_TIMEOUT_S = 30.0
"""ResNet50's pruned graph infers in milliseconds; the largest real files seen, in well under 1 s."""


def infer_shapes(model: bytes) -> bytes:
    """The model with every tensor's type and shape that ONNX can infer (data propagation on,
    so shapes computed from Shape/Gather/Concat chains come out as numbers). It runs in a forked
    child (killable.py): on some damaged files the extension fails a C++ assertion and aborts,
    which would end `check` itself with no message and no other file checked."""
    extension = _extension()

    def infer() -> bytes:
        try:
            return extension.shape_inference.infer_shapes(model, False, False, True)
        except Exception as error:  # the extension raises its own InferenceError and ValueErrors
            raise EnergyLintError(f"ONNX shape inference failed: {first_line(error)}") from None

    return run_killable(infer, INFERENCE, INFERENCE_TIMEOUT_S)
