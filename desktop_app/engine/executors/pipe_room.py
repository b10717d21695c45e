"""Room in the pipes a process pool sends chunks and results through (Linux).

A chunk's result carries each task's start beside its value: 12,500 trivial tasks make about
150 KB, more than a pipe's default 64 KB. The worker's write then blocked until the parent's
reader thread had read it all, so every worker sat idle for 1-2 ms after each chunk, as long
as the chunk took to run (issue 14's throughput: docs/benchmarks.md "Round 4"). A bare
``Pool.map``'s results are small enough to fit, so its workers go straight on. With 1 MB of
room (the most an unprivileged process may ask, ``/proc/sys/fs/pipe-max-size``) the worker
hands over and goes on. Elsewhere (no ``F_SETPIPE_SZ``) pipes keep their size.
"""

from __future__ import annotations

import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import process as cf_process
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: its pipes are sized when made, and multiprocessing makes them
    fcntl = None  # type: ignore[assignment]

WANTED_BYTES = 1 << 20


def _allowed() -> int:
    try:
        with open("/proc/sys/fs/pipe-max-size", encoding="ascii") as limit:
            return min(WANTED_BYTES, int(limit.read()))
    except (OSError, ValueError):
        return WANTED_BYTES


def widen(*connections: Any) -> int:
    """Give each pipe (a ``multiprocessing`` connection) up to 1 MB of room; returns the size
    now set on the last one, 0 where the platform cannot (which is harmless)."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if set_size is None:
        return 0
    size = 0
    for connection in connections:
        try:
            size = fcntl.fcntl(connection.fileno(), set_size, _allowed())
        except (OSError, ValueError, AttributeError):  # at the user's pipe quota: keep 64 KB
            size = 0
    return size


_CONSTRUCTING = threading.Lock()


def roomy_process_pool(queued: int, **kwargs: Any) -> ProcessPoolExecutor:
    """A ``ProcessPoolExecutor`` whose call queue holds ``queued`` chunks, not workers + 1.

    Its manager thread moves work into the call queue only when woken, which is mostly when a
    result arrives: with room for one chunk beyond the workers, a worker finishing a chunk
    often found the queue empty until the parent had read its result. A bare ``Pool.map``
    writes every chunk to the pipe at once. ``EXTRA_QUEUED_CALLS`` is read only while the
    executor is built (CPython 3.7 to 3.14 alike), so it is raised for that moment alone.
    Its two pipes (chunks out, results back) get their room too (:func:`widen`).
    """
    with _CONSTRUCTING:
        saved = cf_process.EXTRA_QUEUED_CALLS
        extra = max(saved, queued - kwargs.get("max_workers", 1))
        cf_process.EXTRA_QUEUED_CALLS = extra  # type: ignore[misc]  # typeshed: Final; it is not
        try:
            pool = ProcessPoolExecutor(**kwargs)
        finally:
            cf_process.EXTRA_QUEUED_CALLS = saved  # type: ignore[misc]
    widen(pool._call_queue._reader, pool._result_queue._reader)  # type: ignore[attr-defined]
    return pool
