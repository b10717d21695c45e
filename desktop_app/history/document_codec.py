"""A run's document as stored: JSON and zlib, with whole-number results kept as packed arrays.

Why not JSON alone: a lesson that squares 100,000 numbers five times at two pool sizes keeps a
million results, and turning those into JSON and back cost more than everything else a save
does (measured, docs/history.md). A run's ``results`` that are all plain integers that JSON
keeps exact (below 2**53, as ``RunReport.to_json`` writes them) are taken out and stored as
one delta-encoded, byte-shuffled integer column like the spans; anything else stays JSON.

Layout: ``MAGIC``, a 4-byte length, zlib(JSON document, packed results replaced by
``{"$packed": count}``), then zlib(the packed integers). A blob without ``MAGIC`` is the
plain zlib(JSON) schema 1 wrote, still read.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

import numpy as np

from .span_codec import _compress, _delta, _narrow, _shuffle, _unshuffle

MAGIC = b"CLDOC1\x00\x00"
_LENGTH = struct.Struct("<I")
_ZLIB_LEVEL = 1
_EXACT = 2**53  # RunReport.to_json writes larger ints as strings; those stay JSON
_PACKED = "$packed"


def pack_document(document: dict[str, Any]) -> bytes:
    """Bytes for the database; ``document["runs"][i]["results"]`` may be lists or int arrays."""
    columns: list[np.ndarray] = []
    runs = []
    for run in document.get("runs", []):
        values = int_column(run.get("results"))
        if values is None:
            runs.append(run)
        else:
            columns.append(values)
            runs.append({**run, "results": {_PACKED: len(values)}})
    text = dumps_in_slices({**document, "runs": runs}).encode()
    head = zlib.compress(text, _ZLIB_LEVEL)
    merged = np.concatenate(columns) if columns else np.zeros(0, np.int64)
    narrow = _narrow(_delta(merged))
    # Not run-length coding here: results repeat in patterns (squares step by 2k + 1), which
    # the default strategy finds; measured on a million squares: 51 KB against 900 KB.
    tail = _compress(bytes([narrow.dtype.itemsize]) + _shuffle(narrow), zlib.Z_DEFAULT_STRATEGY)
    return b"".join([MAGIC, _LENGTH.pack(len(head)), head, tail])


# Items a single json.dumps call encodes at most. json's C encoder holds the GIL for a whole
# call: one call on a 100,000-row results table held it ~65 ms, and the window's GUI thread,
# waiting for it while the history saver ran, froze that long (gui_latency.py, the table case;
# docs/benchmarks.md). Between two calls the interpreter hands the GIL over as usual.
SLICE = 2_000


def dumps_in_slices(value: Any) -> str:
    """``json.dumps(value, separators=(",", ":"))``, the same text, made by calls that each
    encode at most ``SLICE`` items of a list: long lists are cut, dicts with string keys are
    walked; anything else is one call (its own size is small)."""
    if isinstance(value, list) and len(value) > SLICE:
        pieces = (_dumps(value[i : i + SLICE])[1:-1] for i in range(0, len(value), SLICE))
        return "[" + ",".join(pieces) + "]"
    if isinstance(value, dict) and value and all(type(key) is str for key in value):
        return (
            "{"
            + ",".join(_dumps(key) + ":" + dumps_in_slices(item) for key, item in value.items())
            + "}"
        )
    return _dumps(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def unpack_document(blob: bytes) -> dict[str, Any]:
    if not blob.startswith(MAGIC):
        return json.loads(zlib.decompress(blob))  # schema 1
    start = len(MAGIC) + _LENGTH.size
    (length,) = _LENGTH.unpack_from(blob, len(MAGIC))
    document = json.loads(zlib.decompress(blob[start : start + length]))
    raw = zlib.decompress(blob[start + length :])
    counts = [
        run["results"][_PACKED]
        for run in document.get("runs", [])
        if isinstance(run.get("results"), dict) and _PACKED in run["results"]
    ]
    dtype = np.dtype(f"<i{raw[0]}")
    values = np.cumsum(_unshuffle(raw[1:], dtype, sum(counts)).astype(np.int64))
    first = 0
    for run in document.get("runs", []):
        results = run.get("results")
        if isinstance(results, dict) and _PACKED in results:
            count = results[_PACKED]
            run["results"] = values[first : first + count].tolist()
            first += count
    return document


def int_column(results: Any) -> np.ndarray | None:
    """The results as an int64 array when every one is a plain, JSON-exact integer."""
    if isinstance(results, np.ndarray):
        if results.dtype.kind in "iu" and (not len(results) or abs(results).max() < _EXACT):
            return results.astype(np.int64)
        return None
    if not isinstance(results, list) or not results:
        return None
    if set(map(type, results)) != {int}:  # bool is not an int here; map and set run in C
        return None
    try:
        values = np.array(results, dtype=np.int64)
    except OverflowError:
        return None
    if values.max() >= _EXACT or values.min() <= -_EXACT:
        return None
    return values
