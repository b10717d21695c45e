"""Per hop: where a process pool's time goes (issue 14), measured on the real path.

A chunk sent to a process worker crosses six hops: it waits in the parent (the executor's
queue, then the pipe until a worker is free), its arguments are pickled, carried and unpickled
in the worker, its tasks run, its result is pickled and carried back and unpickled in the
parent. :class:`ChunkPayload` measures the sending half without pickling twice: the pool's own
pickler calls its ``__reduce__``, which pickles ``(func, first, items)`` itself (timed; the
length is the bytes sent) and hands the pool those bytes; the worker's unpickling calls
:func:`_unpack`, which times ``pickle.loads``. :func:`run_hop_chunk` times the result's
pickling. Every stamp is ``time.perf_counter()``: CLOCK_MONOTONIC on Linux, one clock for the
whole machine, so a parent's and a worker's stamps subtract (the task spans rely on it too).

Children import this module: no Qt, nothing heavy.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler
from typing import Any

from ._worker import ChunkResult, pickle_chunk, run_chunk

# The parts of a chunk's life, in order; they add up to submit -> result received.
PARTS = ("queued", "pickling_args", "transfer", "running", "pickling_results", "returned")
PART_LABELS = {
    "queued": "queued in the parent",
    "pickling_args": "pickling arguments",
    "transfer": "transfer + unpickle in the worker",
    "running": "running the tasks",
    "pickling_results": "pickling results",
    "returned": "return + unpickle in the parent",
}


class ChunkPayload:
    """A chunk on its way to a process worker; it pickles its own contents, timed.

    It stays in the parent (the dispatch keeps it next to its future) and keeps the parent's
    stamps: submitted, pickling began and ended, and the bytes sent.
    """

    __slots__ = ("func", "first", "items", "submitted", "pickle_start", "pickle_end", "nbytes")

    def __init__(self, func: Callable[[Any], Any], first: int, items: Sequence[Any]) -> None:
        self.func, self.first, self.items = func, first, items
        self.submitted = time.perf_counter()
        self.pickle_start = self.pickle_end = 0.0
        self.nbytes = 0

    def __reduce__(self) -> tuple[Callable[[bytes], Any], tuple[bytes]]:
        # ForkingPickler, as the pool itself uses: its reducers (shared arrays, connections)
        # must keep working for the items inside.
        self.pickle_start = time.perf_counter()
        blob = bytes(ForkingPickler.dumps((self.func, self.first, self.items)))
        self.pickle_end = time.perf_counter()
        self.nbytes = len(blob)
        return _unpack, (blob,)


class UnpackedChunk:
    """The chunk as the worker received it, with the stamps of its unpickling."""

    __slots__ = ("func", "first", "items", "load_start", "load_end")

    def __init__(self, blob: bytes) -> None:
        self.load_start = time.perf_counter()
        self.func, self.first, self.items = pickle.loads(blob)
        self.load_end = time.perf_counter()


def _unpack(blob: bytes) -> UnpackedChunk:
    return UnpackedChunk(blob)


def run_hop_chunk(chunk: UnpackedChunk) -> tuple[bytes, float, float, float, float]:
    """Run a chunk in a process worker: (pickled ChunkResult, load start, load end, result
    pickling start, result pickling end). The stamps travel beside the bytes, not in them."""
    result = run_chunk(chunk.func, chunk.first, chunk.items)
    began = time.perf_counter()
    blob = pickle_chunk(result, chunk.func)
    return blob, chunk.load_start, chunk.load_end, began, time.perf_counter()


def submit_hop(
    submit: Callable[[Callable[..., Any], ChunkPayload], Future],
    func: Callable[[Any], Any],
    first: int,
    items: Sequence[Any],
) -> Future:
    """Submit a chunk through ``submit(fn, payload)``; the future keeps its payload."""
    payload = ChunkPayload(func, first, items)
    future = submit(run_hop_chunk, payload)
    future.hop_payload = payload  # type: ignore[attr-defined]  # read back by the dispatch
    return future


@dataclass(frozen=True, slots=True)
class ChunkHop:
    """One chunk's stamps (perf_counter seconds) and bytes, parent's and worker's."""

    pid: int
    submitted: float
    pickle_start: float
    pickle_end: float
    args_bytes: int
    load_start: float
    load_end: float
    result_start: float
    result_end: float
    result_bytes: int
    received: float


def receive_hop(future: Future, value: Any) -> tuple[ChunkResult, ChunkHop | None]:
    """The ChunkResult of a finished future, and its hop when it went through a payload."""
    payload = getattr(future, "hop_payload", None)
    if payload is None or not isinstance(value, tuple):
        return (pickle.loads(value) if isinstance(value, bytes) else value), None
    blob, load_start, load_end, result_start, result_end = value
    chunk: ChunkResult = pickle.loads(blob)
    hop = ChunkHop(
        chunk.pid,
        payload.submitted,
        payload.pickle_start,
        payload.pickle_end,
        payload.nbytes,
        load_start,
        load_end,
        result_start,
        result_end,
        len(blob),
        time.perf_counter(),
    )
    return chunk, hop


def chunk_parts(hop: ChunkHop, free_at: float) -> dict[str, float]:
    """The six parts of one chunk's life; they add up to ``received - submitted``.

    Pickled arguments can sit in the pipe until a worker is free (``free_at``: when that
    worker sent its previous result); that wait counts as queued, not transfer.
    """
    handed = min(max(hop.pickle_end, free_at), hop.load_start)
    return {
        "queued": (hop.pickle_start - hop.submitted) + (handed - hop.pickle_end),
        "pickling_args": hop.pickle_end - hop.pickle_start,
        "transfer": hop.load_end - handed,
        "running": hop.result_start - hop.load_end,
        "pickling_results": hop.result_end - hop.result_start,
        "returned": hop.received - hop.result_end,
    }


@dataclass(frozen=True, slots=True)
class HopBreakdown:
    """A measurement's hops: each part summed over its chunks (chunk-seconds), the bytes each
    way, and ``span_s``, from the first chunk's submit to the last result received."""

    chunks: int
    parts: dict[str, float]
    args_bytes: int
    result_bytes: int
    span_s: float

    @property
    def total_s(self) -> float:
        return sum(self.parts.values())

    def share(self, part: str) -> float:
        total = self.total_s
        return self.parts[part] / total if total > 0 else 0.0

    def bytes_per_s(self) -> float:
        """Bytes that crossed (both ways) per second of the span."""
        moved = self.args_bytes + self.result_bytes
        return moved / self.span_s if self.span_s > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "chunks": self.chunks,
            **{f"{part}_s": self.parts[part] for part in PARTS},
            "args_bytes": self.args_bytes,
            "result_bytes": self.result_bytes,
            "span_s": self.span_s,
            "bytes_per_s": self.bytes_per_s(),
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> HopBreakdown:
        return cls(
            int(doc["chunks"]),
            {part: float(doc[f"{part}_s"]) for part in PARTS},
            int(doc["args_bytes"]),
            int(doc["result_bytes"]),
            float(doc["span_s"]),
        )


def summarize(hops: Iterable[ChunkHop]) -> HopBreakdown | None:
    """Sum the parts over a measurement's chunks (None when no chunk went through a payload)."""
    ordered = sorted(hops, key=lambda hop: hop.load_start)
    if not ordered:
        return None
    free_at: dict[int, float] = {}
    parts = dict.fromkeys(PARTS, 0.0)
    for hop in ordered:
        for part, seconds in chunk_parts(hop, free_at.get(hop.pid, 0.0)).items():
            parts[part] += seconds
        free_at[hop.pid] = hop.result_end
    return HopBreakdown(
        len(ordered),
        parts,
        sum(hop.args_bytes for hop in ordered),
        sum(hop.result_bytes for hop in ordered),
        max(hop.received for hop in ordered) - min(hop.submitted for hop in ordered),
    )


@dataclass(frozen=True, slots=True)
class HopRow:
    """One pool size's hops over its repeats: each part's share of the chunk-seconds (summed
    over the repeats) with the lowest and highest share one repeat gave, the pool's start-up
    (the longest: the cold one; warm repeats start nothing), and the medians of the bytes each
    way, the bytes per second and the wall time."""

    series: str
    backend: str
    pool_size: int
    repeats: int
    shares: dict[str, float]
    share_range: dict[str, tuple[float, float]]
    startup_s: float
    args_bytes: float
    result_bytes: float
    bytes_per_s: float
    wall_s: float


def hop_rows(measurements: Iterable[Any]) -> list[HopRow]:
    """A :class:`HopRow` per (series, backend, pool size) of the measurements with hops."""
    from statistics import median

    groups: dict[tuple[str, str, int], list[Any]] = {}
    for m in measurements:
        if getattr(m, "hops", None) is not None and m.hops.total_s > 0:
            groups.setdefault((m.series, m.backend, m.pool_size), []).append(m)
    rows = []
    for (series, backend, size), group in groups.items():
        total = sum(m.hops.total_s for m in group)
        shares = {part: sum(m.hops.parts[part] for m in group) / total for part in PARTS}
        ranges = {
            part: (min(m.hops.share(part) for m in group), max(m.hops.share(part) for m in group))
            for part in PARTS
        }
        rows.append(
            HopRow(
                series,
                backend,
                size,
                len(group),
                shares,
                ranges,
                max(m.startup_s for m in group),
                median(m.hops.args_bytes for m in group),
                median(m.hops.result_bytes for m in group),
                median(m.hops.bytes_per_s() for m in group),
                median(m.wall_s for m in group),
            )
        )
    return sorted(rows, key=lambda row: (row.series, row.backend, row.pool_size))
