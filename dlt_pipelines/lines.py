"""Read a landing file (gzip or plain) as Arrow batches of raw lines, in bounded memory.

The split into lines happens on whole decompressed chunks with numpy, and the lines
become an Arrow array over the same buffer without a Python loop per line: this is
what keeps the ingest within reach of DuckDB's own ``read_json``.

Line rule: the content is split on ``\\n``; when it ends with ``\\n`` the final empty
piece is not a line; an empty file has no lines; a trailing piece without ``\\n``
(for example the end of a truncated gzip file) is a line.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

GZIP_MAGIC = b"\x1f\x8b"
_GZIP_WBITS = 31  # zlib: expect a gzip header and trailer
_READ_SIZE = 4 << 20


@dataclass
class FileReadState:
    """What reading one file found out; filled in while its batches are consumed."""

    compressed: bool = False
    lines: int = 0
    problem: str | None = None
    sha256: str | None = None
    size_bytes: int = 0


@dataclass(frozen=True)
class LineBatch:
    """Consecutive lines of one file.

    ``lines`` holds each line's text without its newline; ``invalid_utf8`` is None when
    every line of the batch is valid UTF-8.
    """

    first_line_number: int
    lines: pa.LargeStringArray
    invalid_utf8: pa.BooleanArray | None = field(default=None)

    @property
    def line_numbers(self) -> pa.Int64Array:
        """1-based line numbers of the batch's lines."""
        count = len(self.lines)
        numbers = np.arange(self.first_line_number, self.first_line_number + count, dtype=np.int64)
        return pa.array(numbers, type=pa.int64())


def file_sha256(path: Path) -> tuple[str, int]:
    """Return the SHA-256 hex digest and the size in bytes of a file.

    The bytes pass through one unbuffered read buffer, zeroed at the end: the run's process
    hashes the landing files to plan an ingest and should keep none of their content
    (``extract_process.py`` reads the lines).
    """
    digest = hashlib.sha256()
    size = 0
    with path.open("rb", buffering=0) as handle:
        buffer = bytearray(max(1, min(_READ_SIZE, os.fstat(handle.fileno()).st_size)))
        view = memoryview(buffer)
        try:
            while count := handle.readinto(view):
                digest.update(view[:count])
                size += count
        finally:
            view.release()
            ctypes.memset((ctypes.c_char * len(buffer)).from_buffer(buffer), 0, len(buffer))
    return digest.hexdigest(), size


def _decoded_chunks(path: Path, state: FileReadState, max_chunk_bytes: int) -> Iterator[bytes]:
    """Yield the decompressed content of ``path`` in chunks of at most ``max_chunk_bytes``.

    The SHA-256 and size are taken from the bytes as read, the whole file always. A
    truncated or corrupt gzip stream ends the content after what could be read and sets
    ``state.problem``.
    """
    digest = hashlib.sha256()
    with path.open("rb") as handle:

        def read() -> bytes:
            raw = handle.read(_READ_SIZE)
            digest.update(raw)
            state.size_bytes += len(raw)
            return raw

        first = read()
        state.compressed = first.startswith(GZIP_MAGIC)
        if state.compressed:
            yield from _gunzip(first, read, state, max_chunk_bytes)
            while read():  # after a problem: hash the rest so the checksum covers the file
                pass
        else:
            raw = first
            while raw:
                yield raw
                raw = read()
    state.sha256 = digest.hexdigest()


def _gunzip(
    first: bytes, read: Callable[[], bytes], state: FileReadState, max_chunk_bytes: int
) -> Iterator[bytes]:
    """Decompress gzip members (concatenated members are valid gzip) from ``read``."""
    decompressor = zlib.decompressobj(_GZIP_WBITS)
    data = first
    while data:
        try:
            while data:
                out = decompressor.decompress(data, max_chunk_bytes)
                if out:
                    yield out
                if decompressor.eof:
                    data = decompressor.unused_data
                    if data:
                        decompressor = zlib.decompressobj(_GZIP_WBITS)
                else:
                    data = decompressor.unconsumed_tail
        except zlib.error as error:
            state.problem = f"corrupt gzip data ({error}); the lines before it were kept"
            return
        data = read()
    if not decompressor.eof:
        state.problem = (
            "truncated gzip file: the stream ends before its end marker; "
            "the lines that could be read were kept"
        )


def _to_line_array(buffer: bytes, first_line_number: int) -> LineBatch:
    """Turn a buffer of whole lines (the last may lack its ``\\n``) into a batch of lines."""
    if not buffer.endswith(b"\n"):
        buffer += b"\n"  # a trailing piece without newline is a line too
    view = np.frombuffer(buffer, dtype=np.uint8)
    offsets = np.empty(np.count_nonzero(view == 0x0A) + 1, dtype=np.int64)
    offsets[0] = 0
    offsets[1:] = np.flatnonzero(view == 0x0A) + 1
    with_newlines = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(offsets) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(buffer)]
    )
    binary = pc.binary_slice(with_newlines, 0, -1)  # drop each line's newline, in C++
    try:
        return LineBatch(first_line_number, binary.cast(pa.large_string()))
    except pa.ArrowInvalid:
        return _decode_line_by_line(binary, first_line_number)


def _decode_line_by_line(binary: pa.LargeBinaryArray, first_line_number: int) -> LineBatch:
    """Slow path for a batch with invalid UTF-8: keep each bad line's text with escapes."""
    texts: list[str] = []
    invalid: list[bool] = []
    for value in binary.to_pylist():
        try:
            texts.append(value.decode("utf-8"))
            invalid.append(False)
        except UnicodeDecodeError:
            texts.append(value.decode("utf-8", errors="backslashreplace"))
            invalid.append(True)
    return LineBatch(
        first_line_number,
        pa.array(texts, type=pa.large_string()),
        pa.array(invalid, type=pa.bool_()),
    )


def read_raw_lines(path: Path) -> tuple[list[bytes], FileReadState]:
    """Every line of ``path`` as bytes (no newline), exactly the lines bronze gets from it.

    For small files (it holds the whole content): tools that re-deliver landing lines
    elsewhere, e.g. as Kafka messages, with invalid UTF-8 kept byte for byte.
    """
    state = FileReadState()
    data = b"".join(_decoded_chunks(path, state, _READ_SIZE))
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the final newline ends the last line; it does not start another
    state.lines = len(lines)
    return lines, state


def read_line_batches(
    path: Path, state: FileReadState, batch_bytes: int = 32 << 20
) -> Iterator[LineBatch]:
    """Yield the lines of ``path`` in batches of about ``batch_bytes`` decompressed bytes.

    ``state`` receives the line count, the SHA-256 and size of the file as read, and any
    problem (truncated or corrupt gzip). Memory stays bounded by a few ``batch_bytes``.
    """
    carry = b""
    next_line = 1
    parts: list[bytes] = []
    size = 0
    for chunk in _decoded_chunks(path, state, batch_bytes):
        parts.append(chunk)
        size += len(chunk)
        if size < batch_bytes:
            continue
        data = carry + b"".join(parts)
        parts, size = [], 0
        cut = data.rfind(b"\n") + 1
        carry = data[cut:]
        if cut:
            batch = _to_line_array(data[:cut], next_line)
            next_line += len(batch.lines)
            yield batch
    data = carry + b"".join(parts)
    if data:
        batch = _to_line_array(data, next_line)
        next_line += len(batch.lines)
        yield batch
    state.lines = next_line - 1
