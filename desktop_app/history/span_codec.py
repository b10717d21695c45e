"""A run's spans as one compact blob: columns, delta-encoded integers, byte-shuffled, zlib.

Why this shape: a span is five numbers that change slowly from one span to the next (task ids
count up, a worker's pid repeats, starts creep forward), so storing each column's differences
in the narrowest integer type and grouping their bytes by significance (the "shuffle" filter
of Blosc and HDF5) leaves zlib long runs of zero bytes. Times are kept as integer nanoseconds
of ``time.perf_counter()``: that clock counts whole nanoseconds, so a real span's times come
back bit for bit (``perf_counter() == ns / 1e9``); other floats come back within 0.5 ns.

Layout: ``MAGIC``, a 4-byte header length, a JSON header (entry sizes, thread names, and per
column its dtype and compressed length), then the compressed columns in header order.
"""

from __future__ import annotations

import json
import struct
import zlib
from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine.records import SpanTable

MAGIC = b"CLSPANS1"
_LENGTH = struct.Struct("<I")
_ZLIB_LEVEL = 1  # measured on 1M spans: level 6 is 3 % smaller and 2.7x slower (docs/history.md)
_NARROW_TYPES = (np.int8, np.int16, np.int32, np.int64)


class SpanCodecError(ValueError):
    """A span blob this version cannot read (damaged, or written by a newer app)."""


def encode_spans(tables: Sequence[SpanTable]) -> bytes:
    """One blob holding every table, in order (one table per timed map of the run)."""
    counts = [len(table) for table in tables]
    task = _concat(tables, "task", np.int64)
    start_ns = np.rint(_concat(tables, "start", np.float64) * 1e9).astype(np.int64)
    end_ns = np.rint(_concat(tables, "end", np.float64) * 1e9).astype(np.int64)
    columns = {
        "task": _delta(task),
        "pid": _delta(_concat(tables, "pid", np.int64)),
        "thread": _concat(tables, "thread_index", np.int64),
        "start": _delta(start_ns),
        "duration": end_ns - start_ns,
    }
    header: dict[str, Any] = {
        "counts": counts,
        "threads": [list(table.threads) for table in tables],
        "columns": [],
    }
    payloads = []
    for name, values in columns.items():
        narrow = _narrow(values)
        payload = zlib.compress(_shuffle(narrow), _ZLIB_LEVEL)
        header["columns"].append([name, narrow.dtype.str, len(payload)])
        payloads.append(payload)
    ok = np.packbits(_concat(tables, "ok", np.int8).astype(bool))
    payload = zlib.compress(ok.tobytes(), _ZLIB_LEVEL)
    header["columns"].append(["ok", "bits", len(payload)])
    payloads.append(payload)
    head = json.dumps(header, separators=(",", ":")).encode()
    return b"".join([MAGIC, _LENGTH.pack(len(head)), head, *payloads])


def decode_spans(blob: bytes) -> list[SpanTable]:
    """The tables :func:`encode_spans` was given, column for column."""
    header, offset = _read_header(blob)
    total = sum(header["counts"])
    columns: dict[str, np.ndarray] = {}
    for name, dtype, size in header["columns"]:
        raw = zlib.decompress(blob[offset : offset + size])
        offset += size
        if dtype == "bits":
            columns[name] = np.unpackbits(np.frombuffer(raw, np.uint8), count=total)
        else:
            columns[name] = _unshuffle(raw, np.dtype(dtype), total).astype(np.int64)
        if len(columns[name]) != total:
            raise SpanCodecError(f"span column {name!r} holds the wrong number of values")
    start_ns = np.cumsum(columns["start"])
    full = {
        "task": np.cumsum(columns["task"]),
        "pid": np.cumsum(columns["pid"]).astype(np.int32),
        "thread_index": columns["thread"].astype(np.uint16),
        "start": start_ns / 1e9,
        "end": (start_ns + columns["duration"]) / 1e9,
        "ok": columns["ok"].astype(np.int8),
    }
    return _split(full, header["counts"], header["threads"])


def span_count(blob: bytes) -> int:
    """How many spans a blob holds, reading only its header."""
    return sum(_read_header(blob)[0]["counts"])


def _read_header(blob: bytes) -> tuple[dict[str, Any], int]:
    if not blob.startswith(MAGIC):
        raise SpanCodecError("not a span blob of this app (unknown format marker)")
    start = len(MAGIC) + _LENGTH.size
    (length,) = _LENGTH.unpack_from(blob, len(MAGIC))
    try:
        return json.loads(blob[start : start + length]), start + length
    except ValueError as exc:
        raise SpanCodecError(f"span blob header is damaged: {exc}") from None


def _concat(tables: Sequence[SpanTable], column: str, dtype: Any) -> np.ndarray:
    parts = [np.frombuffer(getattr(table, column), dtype=_ARRAY_DTYPES[column]) for table in tables]
    if not parts:
        return np.zeros(0, dtype)
    return np.concatenate(parts).astype(dtype, copy=False)


_ARRAY_DTYPES = {
    "task": np.int64,
    "pid": np.dtype(f"i{array('i').itemsize}"),
    "thread_index": np.uint16,
    "start": np.float64,
    "end": np.float64,
    "ok": np.int8,
}


def _delta(values: np.ndarray) -> np.ndarray:
    return np.diff(values, prepend=np.int64(0)) if len(values) else values


def _narrow(values: np.ndarray) -> np.ndarray:
    """The same values in the smallest signed integer type that holds them all."""
    if not len(values):
        return values.astype(np.int8)
    low, high = int(values.min()), int(values.max())
    for dtype in _NARROW_TYPES:
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return values.astype(dtype)
    raise AssertionError("unreachable: the values came from int64")


def _shuffle(values: np.ndarray) -> bytes:
    """Bytes grouped by significance: all lowest bytes, then all next bytes, and so on."""
    values = values.astype(values.dtype.newbyteorder("<"), copy=False)
    width = values.dtype.itemsize
    return values.view(np.uint8).reshape(-1, width).T.tobytes()


def _unshuffle(raw: bytes, dtype: np.dtype, count: int) -> np.ndarray:
    width = dtype.itemsize
    if len(raw) != count * width:
        raise SpanCodecError("span column has the wrong length")
    planes = np.frombuffer(raw, np.uint8).reshape(width, count)
    return planes.T.copy().view(dtype).reshape(count)


def _split(
    full: dict[str, np.ndarray], counts: list[int], threads: list[list[str]]
) -> list[SpanTable]:
    tables = []
    first = 0
    for count, names in zip(counts, threads, strict=True):
        table = SpanTable()
        for column, values in full.items():
            part = values[first : first + count].astype(_ARRAY_DTYPES[column], copy=False)
            getattr(table, column).frombytes(part.tobytes())
        table.threads = list(names)
        table._thread_ids = {name: index for index, name in enumerate(names)}
        tables.append(table)
        first += count
    return tables
