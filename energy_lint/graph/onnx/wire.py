"""The protobuf wire format, just enough of it to walk an ONNX file without the protobuf package.

An ONNX file is one serialized ModelProto, weights included. Walking its fields over a memory
map lets the reader skip every weight's bytes (their lengths say where the next field starts)
instead of parsing 100 MB into objects: that is what keeps `check` of a large model light."""

from __future__ import annotations

import struct
from collections.abc import Iterator

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
Field = tuple[int, int, int, int, int]
"""(field number, wire type, value or payload start, payload end, start of the field's tag)."""


class WireError(ValueError):
    """The bytes are not a well-formed protobuf message (a truncated or corrupt file)."""


def read_varint(data: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise WireError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise WireError("varint longer than 10 bytes")


def fields(data: memoryview, start: int = 0, end: int | None = None) -> Iterator[Field]:
    """Every field of the message in data[start:end]: for LENGTH fields the payload's bounds,
    for the others the value (fixed-width ones as raw bits)."""
    end = len(data) if end is None else end
    pos = start
    while pos < end:
        tag_start = pos
        key, pos = read_varint(data, pos)
        number, kind = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0")
        if kind == VARINT:
            value, pos = read_varint(data, pos)
            yield number, kind, value, pos, tag_start
        elif kind == LENGTH:
            size, pos = read_varint(data, pos)
            if pos + size > end:
                raise WireError("field runs past the end of its message")
            yield number, kind, pos, pos + size, tag_start
            pos += size
        elif kind == FIXED32:
            if pos + 4 > end:
                raise WireError("truncated fixed32")
            yield number, kind, struct.unpack_from("<I", data, pos)[0], pos + 4, tag_start
            pos += 4
        elif kind == FIXED64:
            if pos + 8 > end:
                raise WireError("truncated fixed64")
            yield number, kind, struct.unpack_from("<Q", data, pos)[0], pos + 8, tag_start
            pos += 8
        else:
            raise WireError(f"unsupported wire type {kind}")


def signed(value: int) -> int:
    """An int64 field's two's-complement value."""
    return value - (1 << 64) if value >= 1 << 63 else value


def packed_varints(data: memoryview, start: int, end: int) -> list[int]:
    values, pos = [], start
    while pos < end:
        value, pos = read_varint(data, pos)
        values.append(signed(value))
    return values


def text(data: memoryview, start: int, end: int) -> str:
    return bytes(data[start:end]).decode("utf-8", "replace")


def encode_varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode_field(number: int, payload: bytes) -> bytes:
    """A LENGTH field: tag, length, payload."""
    return encode_varint(number << 3 | LENGTH) + encode_varint(len(payload)) + payload


def encode_int(number: int, value: int) -> bytes:
    return encode_varint(number << 3 | VARINT) + encode_varint(value)


def file_fields(fd: int, start: int, end: int) -> Iterator[Field]:
    """`fields` over a file by positioned reads of each field's header: a field's payload is
    never read, so a weight costs one small read whatever its size (a memory map would map
    whole page-cache folios around each header, and count them in the process's memory)."""
    import os

    pos = start
    while pos < end:
        head = memoryview(os.pread(fd, 32, pos))
        key, used = read_varint(head, 0)
        number, kind = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0")
        if kind == LENGTH:
            size, used = read_varint(head, used)
            if pos + used + size > end:
                raise WireError("field runs past the end of its message")
            yield number, kind, pos + used, pos + used + size, pos
            pos += used + size
        elif kind == VARINT:
            value, used = read_varint(head, used)
            yield number, kind, value, pos + used, pos
            pos += used
        elif kind in (FIXED32, FIXED64):
            width = 4 if kind == FIXED32 else 8
            if pos + used + width > end:
                raise WireError("truncated fixed-width field")
            yield number, kind, 0, pos + used + width, pos
            pos += used + width
        else:
            raise WireError(f"unsupported wire type {kind}")
