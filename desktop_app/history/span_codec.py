"""A run's spans as one compact blob: columns, delta-encoded integers, byte-shuffled, zlib.

Why this shape: a span is five numbers that change slowly from one span to the next (task ids
count up, a worker's pid repeats, starts creep forward), so storing each column's differences
in the narrowest integer type and grouping their bytes by significance (the "shuffle" filter
of Blosc and HDF5) leaves zlib long runs of zero bytes.

Times are lossless either way: as whole nanoseconds when that gives every value back bit for
bit (true of ``perf_counter()`` floats, which are nanosecond counts over 1e9, while the
machine has been up less than about 26 days), otherwise as the integer bit patterns of the
float64 values. Those order like the numbers for one sign, so consecutive starts still differ
by small integers, only more of them (measured: 7.8 against 4.9 bytes a span); overflow in
the differences wraps and the decoding running sum wraps back, so any float survives.

Each task's thread CPU time (``cpu``, format 2: its ``on_cpu`` share times its duration) is kept
as whole nanoseconds, the resolution of the kernel's thread clock, exactly as the report's JSON
writes it (``records.cpu_ns``); ``NO_CPU`` is stored as -1. Decoding divides by the duration
again, which gives back the JSON's ``cpu_s`` exactly (the share itself to within a rounding).

Layout: ``MAGIC``, a 4-byte header length, a JSON header (entry sizes, thread names, and per
column its dtype and compressed length), then the compressed columns in header order. Format 1
(``MAGIC_V1``, before the ``cpu`` column) is still read: its spans come back with ``NO_CPU``.
"""

from __future__ import annotations

import json
import struct
import zlib
from array import array
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.records import NO_CPU, SpanTable

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

MAGIC = b"CLSPANS2"
MAGIC_V1 = b"CLSPANS1"  # no cpu column; still read
_LENGTH = struct.Struct("<I")
# Run-length coding suits shuffled planes (the high bytes are long runs of zeros): measured on
# a million spans it is 35 % faster than zlib's default strategy and 5 % smaller; level 6 was
# 3 % smaller again and several times slower (docs/history.md).
_ZLIB_LEVEL = 1
_ZLIB_STRATEGY = zlib.Z_RLE
_NARROW_TYPES = (np.int8, np.int16, np.int32, np.int64)


class SpanCodecError(ValueError):
    """A span blob this version cannot read (damaged, or written by a newer app)."""


def encode_spans(tables: Sequence[SpanTable]) -> bytes:
    """One blob holding every table, in order (one table per timed map of the run)."""
    counts = [len(table) for table in tables]
    task = _concat(tables, "task", np.int64)
    unit, start_int, end_int = _time_integers(
        _concat(tables, "start", np.float64), _concat(tables, "end", np.float64)
    )
    columns = {
        "task": _delta(task),
        "pid": _delta(_concat(tables, "pid", np.int64)),
        "thread": _concat(tables, "thread_index", np.int64),
        "start": _delta(start_int),
        "duration": end_int - start_int,
        "cpu": _cpu_integers(_concat(tables, "on_cpu", np.float64), end_int, start_int, unit),
    }
    header: dict[str, Any] = {
        "counts": counts,
        "threads": [list(table.threads) for table in tables],
        "time_unit": unit,
        "columns": [],
    }
    payloads = []
    for name, values in columns.items():
        narrow = _narrow(values)
        payload = _compress(_shuffle(narrow))
        header["columns"].append([name, narrow.dtype.str, len(payload)])
        payloads.append(payload)
    ok = np.packbits(_concat(tables, "ok", np.int8).astype(bool))
    payload = _compress(ok.tobytes())
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
        try:
            raw = zlib.decompress(blob[offset : offset + size])
        except zlib.error as exc:
            raise SpanCodecError(f"span column {name!r} is damaged: {exc}") from None
        offset += size
        if dtype == "bits":
            columns[name] = np.unpackbits(np.frombuffer(raw, np.uint8), count=total)
        else:
            columns[name] = _unshuffle(raw, np.dtype(dtype), total).astype(np.int64)
        if len(columns[name]) != total:
            raise SpanCodecError(f"span column {name!r} holds the wrong number of values")
    start_int = np.cumsum(columns["start"])
    end_int = start_int + columns["duration"]
    if header.get("time_unit") == "ns":
        start, end = start_int / 1e9, end_int / 1e9
    else:
        start, end = start_int.view(np.float64), end_int.view(np.float64)
    full = {
        "task": np.cumsum(columns["task"]),
        "pid": np.cumsum(columns["pid"]).astype(np.int32),
        "thread_index": columns["thread"].astype(np.uint16),
        "start": start,
        "end": end,
        "ok": columns["ok"].astype(np.int8),
        "on_cpu": _on_cpu(columns.get("cpu"), _durations(start, end), total),
    }
    return _split(full, header["counts"], header["threads"])


def _durations(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # inf - inf (hypothesis's times): NaN, not a warning
        return end - start


def _cpu_integers(
    on_cpu: np.ndarray, end_int: np.ndarray, start_int: np.ndarray, unit: str
) -> np.ndarray:
    """CPU seconds (share × duration) as whole nanoseconds; ``NO_CPU`` and any value that
    will not fit as -1."""
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf: a time no clock gives
        if unit == "ns":
            wall = end_int / 1e9 - start_int / 1e9
        else:
            wall = end_int.view(np.float64) - start_int.view(np.float64)
        cpu = on_cpu * np.maximum(wall, 0.0)
        known = np.isfinite(cpu) & (on_cpu >= 0) & (cpu < 2**62 / 1e9)
        return np.where(known, np.rint(np.where(known, cpu, 0.0) * 1e9), -1).astype(np.int64)


def _on_cpu(cpu_ns: np.ndarray | None, wall: np.ndarray, total: int) -> np.ndarray:
    """The ``on_cpu`` column back from nanoseconds; all ``NO_CPU`` for a format 1 blob."""
    if cpu_ns is None:
        return np.full(total, NO_CPU)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(wall > 0, cpu_ns / 1e9 / np.where(wall > 0, wall, 1.0), 0.0)
    return np.where(cpu_ns >= 0, share, NO_CPU)


def span_count(blob: bytes) -> int:
    """How many spans a blob holds, reading only its header."""
    return sum(_read_header(blob)[0]["counts"])


def _read_header(blob: bytes) -> tuple[dict[str, Any], int]:
    if not blob.startswith((MAGIC, MAGIC_V1)):
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


_ARRAY_DTYPES: dict[str, DTypeLike] = {
    "task": np.int64,
    "pid": np.dtype(f"i{array('i').itemsize}"),
    "thread_index": np.uint16,
    "start": np.float64,
    "end": np.float64,
    "ok": np.int8,
    "on_cpu": np.float64,
}


def _time_integers(start: np.ndarray, end: np.ndarray) -> tuple[str, np.ndarray, np.ndarray]:
    """("ns", …) when whole nanoseconds give back every time exactly, else ("bits", …)."""
    with np.errstate(invalid="ignore", over="ignore"):
        start_ns = np.rint(start * 1e9)
        end_ns = np.rint(end * 1e9)
        exact = (
            bool(np.isfinite(start_ns).all() and np.isfinite(end_ns).all())
            and bool((np.abs(start_ns) < 2**62).all() and (np.abs(end_ns) < 2**62).all())
            and np.array_equal(start_ns / 1e9, start)
            and np.array_equal(end_ns / 1e9, end)
        )
    if exact:
        return "ns", start_ns.astype(np.int64), end_ns.astype(np.int64)
    return "bits", start.view(np.int64), end.view(np.int64)


def _compress(data: bytes, strategy: int | None = None) -> bytes:
    strategy = _ZLIB_STRATEGY if strategy is None else strategy
    packer = zlib.compressobj(_ZLIB_LEVEL, zlib.DEFLATED, 15, 8, strategy)
    return packer.compress(data) + packer.flush()


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
            getattr(table, column).frombytes(np.ascontiguousarray(part).view(np.uint8))
        table.threads = list(names)
        table._thread_ids = {name: index for index, name in enumerate(names)}
        tables.append(table)
        first += count
    return tables
