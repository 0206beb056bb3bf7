"""Get the model config out of a file without Keras: .keras (zip), .h5 (HDF5) or .json.

Nothing is executed and nothing is written: the zip's config.json is read in memory, with a size
cap against zip bombs; the HDF5 file is opened read-only for one attribute; the file's type is
checked from its first bytes so a mislabelled file is named as such, not misread."""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import ModelReadError
from .killable import read_killable

MAX_CONFIG_BYTES = 64 * 1024 * 1024
"""The largest keras.applications config is about 3 MB; 64 MiB is far beyond any real model."""

MAX_CONFIG_VALUES = 2_000_000
"""Objects, lists and commas a config may hold: NASNetMobile's has 47,091 (16 bytes each); 2
million empty objects peak at about 170 MB in json.loads."""

SUFFIXES = {".keras": "keras", ".h5": "h5", ".hdf5": "h5", ".json": "json", ".onnx": "onnx"}
_MAGIC = {b"PK\x03\x04": "keras", b"\x89HDF\r\n\x1a\n": "h5"}
_KIND_NAMES = {"keras": "a .keras zip archive", "h5": "HDF5", "json": "JSON", "onnx": "ONNX"}
Source = Path | io.BytesIO
"""Where a reader reads from: the file, or its content in memory; `path` names it in messages."""


@dataclass(frozen=True)
class RawModel:
    """The model config of one file, as json.loads gives it, and where it came from."""

    path: str
    format: str
    config: Any
    keras_version: str | None


def file_format(path: Path) -> str | None:
    """The reader a file name asks for, or None when it is no model file."""
    return SUFFIXES.get(path.suffix.lower())


def sniff(head: bytes) -> str:
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return "json"
    if head[:1] == b"\x08":
        return "onnx"  # a ModelProto starts with its ir_version: field 1, a varint
    return "unknown"


@contextmanager
def open_model_file(name: str, path: Path) -> Iterator[BinaryIO]:
    """`path` opened for reading. A directory, a pipe or a device, a missing file and an OS error
    while reading (inside the block too) are the file's one-line ModelReadError."""
    if path.is_dir():
        raise ModelReadError(name, "is a directory, not a model file")
    if path.exists() and not path.is_file():
        # Reading a named pipe or a device could block forever or never end.
        raise ModelReadError(name, "is not a regular file (a pipe or a device?)")
    try:
        with path.open("rb") as handle:
            yield handle
    except FileNotFoundError:
        raise ModelReadError(name, "no such file") from None
    except OSError as error:
        raise ModelReadError(name, f"cannot be read: {error.strerror or error}") from None


def read_raw_model(path: Path) -> RawModel:
    name = str(path)
    expected = _expected_format(path, name)
    with open_model_file(name, path) as handle:
        head = handle.read(16)
    return _read_sniffed(name, path, expected, head, path)


def read_raw_bytes(name: str, data: bytes) -> RawModel:
    """The same as read_raw_model for a file's content held in memory (a blob at a git ref);
    `name` stands for the file in messages and its suffix picks the reader."""
    label = Path(name)
    expected = _expected_format(label, name)
    return _read_sniffed(name, label, expected, data[:16], io.BytesIO(data))


_OTHER_FORMATS = {
    **dict.fromkeys(
        (".pt", ".pth", ".bin", ".ckpt", ".safetensors"),
        "weights without an architecture (PyTorch or safetensors): export the model with "
        "torch.onnx.export and check the .onnx, or check its Hugging Face config.json",
    ),
    ".gguf": "a GGUF checkpoint: check the model's Hugging Face config.json",
    ".tflite": "a TensorFlow Lite file is not read: check the Keras model it was converted from",
    ".pb": "a TensorFlow graph is not read: check the Keras model (.keras) it was saved from",
}
"""What to check instead, for formats people pass that hold no architecture energy-lint reads."""


def _expected_format(path: Path, name: str) -> str:
    expected = file_format(path)
    if expected is None:
        instead = _OTHER_FORMATS.get(path.suffix.lower())
        problem = "not a model file (expected .keras, .h5, .json or .onnx)"
        raise ModelReadError(name, f"{problem}: {instead}" if instead else problem)
    return expected


def check_content(name: str, path: Path, expected: str, head: bytes) -> None:
    """That the first bytes are what the suffix promises."""
    if not head:
        raise ModelReadError(name, "file is empty")
    actual = sniff(head)
    if actual != expected:
        what = _KIND_NAMES.get(actual, "not a format energy-lint reads")
        raise ModelReadError(name, f"named {path.suffix} but its content is {what}")


def _read_sniffed(name: str, path: Path, expected: str, head: bytes, source: Source) -> RawModel:
    """Check that the first bytes are what the suffix promises, then read with its reader."""
    check_content(name, path, expected, head)
    reader = {"keras": _read_keras_zip, "h5": _read_h5, "json": _read_json}[expected]
    config, version = reader(source, path)
    return RawModel(name, expected, config, version)


def _decode(data: bytes | str, path: Path, what: str) -> Any:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if raw.count(b",") + raw.count(b"{") + raw.count(b"[") > MAX_CONFIG_VALUES:
        # Bytes alone do not bound json.loads: 64 MiB of `{},` builds 22 million dicts (1.7 GB).
        raise ModelReadError(str(path), f"{what} holds more than {MAX_CONFIG_VALUES:,} values")
    try:
        return json.loads(data)
    except RecursionError:
        raise ModelReadError(str(path), f"{what} is nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise ModelReadError(str(path), f"{what} is not valid JSON ({error})") from None


def _read_capped(stream: Any, path: Path, what: str) -> bytes:
    """Read in 1 MiB pieces: one read of the whole cap would make zipfile inflate up to 64 MiB
    at once, even for a member that declares (and is cut to) a few bytes."""
    chunks, size = [], 0
    while chunk := stream.read(1 << 20):
        size += len(chunk)
        if size > MAX_CONFIG_BYTES:
            raise ModelReadError(str(path), f"{what} is larger than {MAX_CONFIG_BYTES >> 20} MiB")
        chunks.append(chunk)
    return b"".join(chunks)


def _read_keras_zip(source: Source, path: Path) -> tuple[Any, str | None]:
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                raise ModelReadError(str(path), "zip archive has no config.json: not a .keras model")
            config = _read_member(archive, "config.json", path)
            version = None
            if "metadata.json" in names and archive.getinfo("metadata.json").file_size < 1 << 20:
                metadata = _read_member(archive, "metadata.json", path)
                version = metadata.get("keras_version") if isinstance(metadata, dict) else None
    except ModelReadError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, OSError) as error:
        raise ModelReadError(str(path), f"corrupt or truncated .keras archive ({error})") from None
    return config, version if isinstance(version, str) else None


def _read_member(archive: zipfile.ZipFile, name: str, path: Path) -> Any:
    """One JSON member. zipfile never inflates past the size the archive declares, so refusing
    a declared size over the cap stops a zip bomb before a byte of it is decompressed."""
    info = archive.getinfo(name)
    if info.file_size > MAX_CONFIG_BYTES:
        raise ModelReadError(str(path), f"{name} is larger than {MAX_CONFIG_BYTES >> 20} MiB")
    if info.flag_bits & 0x1:
        # zipfile would ask for a password with a RuntimeError; Keras never encrypts.
        raise ModelReadError(str(path), f"{name} in the .keras archive is encrypted")
    with archive.open(name) as stream:
        return _decode(_read_capped(stream, path, name), path, name)


def _read_h5(source: Source, path: Path) -> tuple[Any, str | None]:
    raw, version = read_killable(lambda: _h5_attributes(source, path), path, "model_config")
    return _decode(raw, path, "model_config"), version


def _h5_attributes(source: Source, path: Path) -> tuple[bytes, str | None]:
    """model_config and keras_version, each checked to be one string of bounded size before
    libhdf5 decodes it: an array of variable-length strings whose elements all point at one
    heap object would decode a 1 MB file into gigabytes."""
    import h5py  # only .h5 files pay for importing h5py and numpy

    try:
        with h5py.File(source, "r") as handle:
            if "model_config" not in handle.attrs:
                raise ModelReadError(
                    str(path), "HDF5 file has no model_config attribute (a weights-only file?)"
                )
            raw = _h5_string(handle, "model_config", MAX_CONFIG_BYTES, path)
            version = (
                _h5_string(handle, "keras_version", 1 << 10, path)
                if "keras_version" in handle.attrs
                else None
            )
    except ModelReadError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as error:
        raise ModelReadError(str(path), f"corrupt or truncated HDF5 file ({error})") from None
    if raw is None:
        raise ModelReadError(str(path), "model_config attribute is not text")
    if len(raw) > MAX_CONFIG_BYTES:
        # Keras writes a variable-length string, whose storage size is a pointer's: only its
        # length tells. The cap keeps json.loads from building gigabytes of objects out of it.
        raise ModelReadError(str(path), f"model_config is larger than {MAX_CONFIG_BYTES >> 20} MiB")
    text = version.decode("utf-8", "replace") if version is not None and len(version) < 1 << 10 else None
    return raw, text


def _h5_string(handle: Any, name: str, limit: int, path: Path) -> bytes | None:
    """One attribute as bytes when it is one string (None when it is something else), its
    element count and declared size checked before a byte of it is decoded."""
    attr = handle.attrs.get_id(name)
    if attr.shape is None:  # HDF5's null dataspace
        raise ModelReadError(str(path), f"{name} attribute holds no value")
    if attr.shape != ():
        count = math.prod(attr.shape)
        raise ModelReadError(str(path), f"{name} attribute is an array of {count:,} values, not one string")
    if attr.get_storage_size() > limit:
        raise ModelReadError(str(path), f"{name} is larger than {_size_text(limit)}")
    raw = handle.attrs[name]
    if getattr(raw, "shape", None) == () and getattr(getattr(raw, "dtype", None), "kind", "") in ("S", "V"):
        raw = raw.tobytes()  # one fixed-length or opaque string; an array of numbers is no config
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    return raw if isinstance(raw, bytes) else None


def _size_text(size: int) -> str:
    return f"{size >> 20} MiB" if size >= 1 << 20 else f"{size >> 10} KiB"


def _read_json(source: Source, path: Path) -> tuple[Any, str | None]:
    with source.open("rb") if isinstance(source, Path) else source as handle:
        data = _read_capped(handle, path, "JSON file")
    config = _decode(data, path, "file")
    version = config.get("keras_version") if isinstance(config, dict) else None
    return config, version if isinstance(version, str) else None
