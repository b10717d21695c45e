"""Immutable records a run produces: task spans, error records and measurements.

Spans are stored column-wise (:class:`SpanTable`) because a run may hold a million of them: a
span then costs 8 + 8 + 8 + 8 + 4 + 2 + 1 = 39 bytes instead of a few hundred for an object.

A span's ``on_cpu`` is the share of its wall time its worker thread spent on a CPU (from
``time.thread_time``); the rest is waiting (for the GIL, for I/O, for a lock), and ``cpu`` is
the CPU seconds. A share, not seconds, because that is what the worker measures over a run of
short tasks (see ``engine/_worker.py``) and what the timeline draws. ``NO_CPU`` (-1) where the
worker measured none (asyncio coroutines, a lesson's own threads): a number, not NaN, so spans
still compare equal to themselves.
"""

from __future__ import annotations

import math
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # hops.py imports the worker, which imports this module
    from .hops import HopBreakdown

NO_CPU = -1.0  # a span's ``on_cpu`` (and ``cpu``) when its worker did not measure it


@dataclass(frozen=True, slots=True)
class TaskSpan:
    """One task: which worker ran it, and when, on ``time.perf_counter()``; and ``on_cpu``,
    the share of that time its thread was on a CPU (``NO_CPU`` when not measured)."""

    task: int
    pid: int
    thread: str
    start: float
    end: float
    ok: bool
    on_cpu: float = NO_CPU

    @property
    def worker(self) -> str:
        """A worker's display name: process id, and the thread when it is not the main one."""
        return worker_label(self.pid, self.thread)

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def cpu(self) -> float:
        """CPU seconds the task's thread spent on it (``NO_CPU`` if not measured)."""
        return cpu_seconds(self.on_cpu, self.end - self.start)


def worker_label(pid: int, thread: str) -> str:
    if thread in ("", "MainThread"):
        return f"pid {pid}"
    return f"pid {pid} {thread}"


def cpu_seconds(on_cpu: float, wall: float) -> float:
    """CPU seconds from an on-CPU share and the wall time (``NO_CPU`` stays ``NO_CPU``)."""
    return on_cpu * max(wall, 0.0) if on_cpu >= 0 else NO_CPU


def on_cpu_of(cpu: float | None, wall: float) -> float:
    """The on-CPU share of ``cpu`` seconds over ``wall`` (None or negative: ``NO_CPU``)."""
    if cpu is None or not cpu >= 0:
        return NO_CPU
    return cpu / wall if wall > 0 else 0.0


def cpu_ns(cpu: float) -> float:
    """A task's CPU seconds to the nanosecond, as every file holds them.

    The thread clock counts whole nanoseconds, and a short task's share of its run's CPU time
    is an estimate anyway; rounding (here, not in the worker's hot loop) lets the run
    history's span codec keep them as integers and give back exactly what the JSON says.
    """
    return round(cpu * 1e9) / 1e9


def shown_share(on_cpu: float) -> float:
    """``on_cpu`` clipped to [0, 1] for display: the two clocks tick apart by a few
    microseconds, so a fully busy short task may read a hair above 1. ``NaN`` if unknown."""
    if not on_cpu >= 0:
        return math.nan
    return min(1.0, on_cpu)


class SpanTable:
    """Column store of task spans; appends are cheap and the memory per span is fixed."""

    __slots__ = (
        "task",
        "pid",
        "thread_index",
        "start",
        "end",
        "ok",
        "on_cpu",
        "threads",
        "_thread_ids",
    )
    COLUMNS = ("task", "pid", "thread_index", "start", "end", "ok", "on_cpu")

    def __init__(self) -> None:
        self.task = array("q")
        self.pid = array("i")
        self.thread_index = array("H")
        self.start = array("d")
        self.end = array("d")
        self.ok = array("b")
        self.on_cpu = array("d")
        self.threads: list[str] = []
        self._thread_ids: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.task)

    def _thread_id(self, name: str) -> int:
        index = self._thread_ids.get(name)
        if index is None:
            index = self._thread_ids[name] = len(self.threads)
            self.threads.append(name)
        return index

    def append(self, span: TaskSpan) -> None:
        self.task.append(span.task)
        self.pid.append(span.pid)
        self.thread_index.append(self._thread_id(span.thread))
        self.start.append(span.start)
        self.end.append(span.end)
        self.ok.append(1 if span.ok else 0)
        self.on_cpu.append(span.on_cpu)

    def extend_chunk(
        self,
        first: int,
        pid: int,
        thread: str,
        starts: array | memoryview,
        ends: array | memoryview,
        ok: array | memoryview,
        on_cpu: array | memoryview | None = None,
    ) -> None:
        """Append a contiguous chunk of tasks ``first, first + 1, …`` run by one worker
        (``on_cpu``: their on-CPU shares; ``None`` when the worker measured none). Columns
        may be views (a chunk's marks, sliced without a copy); each is copied once."""
        count = len(starts)
        views = self.chunk_views(first, count, starts, ends, ok, on_cpu)
        self.pid.extend(array("i", [pid]) * count)
        self.thread_index.extend(array("H", [self._thread_id(thread)]) * count)
        for name, view in views:  # one copy each; frombytes takes a view as it is
            getattr(self, name).frombytes(view.cast("B"))

    def chunk_views(
        self,
        first: int,
        count: int,
        starts: array | memoryview,
        ends: array | memoryview,
        ok: array | memoryview,
        on_cpu: array | memoryview | None,
    ) -> list[tuple[str, memoryview]]:
        """(column name, view) of a chunk's per-task columns, each checked against its
        column's type and the chunk's length before any column changes."""
        views = [
            ("task", memoryview(_task_ids(first, count))),
            ("start", memoryview(starts)),
            ("end", memoryview(ends)),
            ("ok", memoryview(ok)),
            ("on_cpu", memoryview(on_cpu if on_cpu is not None else NO_CPU_COLUMN * count)),
        ]
        for name, view in views:
            column = getattr(self, name)
            if view.format != column.typecode or len(view) != count:
                raise TypeError(
                    f"a column of {count} {column.typecode!r} values cannot take "
                    f"{len(view)} of {view.format!r}"
                )
        return views

    def extend(self, other: SpanTable) -> None:
        """Append every span of ``other`` (column-wise, without building span objects)."""
        remap = [self._thread_id(name) for name in other.threads]
        self.task.extend(other.task)
        self.pid.extend(other.pid)
        if remap == list(range(len(remap))):
            self.thread_index.extend(other.thread_index)
        else:
            self.thread_index.extend(array("H", (remap[i] for i in other.thread_index)))
        self.start.extend(other.start)
        self.end.extend(other.end)
        self.ok.extend(other.ok)
        self.on_cpu.extend(other.on_cpu)

    def __getitem__(self, index: int) -> TaskSpan:
        return TaskSpan(
            self.task[index],
            self.pid[index],
            self.threads[self.thread_index[index]],
            self.start[index],
            self.end[index],
            bool(self.ok[index]),
            self.on_cpu[index],
        )

    def __iter__(self) -> Iterator[TaskSpan]:
        for index in range(len(self.task)):
            yield self[index]

    def part(self, first: int, stop: int) -> SpanTable:
        """A new table holding the spans ``first`` to ``stop - 1`` (columns copied)."""
        out = SpanTable()
        out.threads = list(self.threads)
        out._thread_ids = dict(self._thread_ids)
        for name in self.COLUMNS:
            setattr(out, name, getattr(self, name)[first:stop])
        return out

    def nbytes(self) -> int:
        """Memory held by the columns (not counting the small thread-name list)."""
        columns = [getattr(self, name) for name in self.COLUMNS]
        return sum(col.buffer_info()[1] * col.itemsize for col in columns)


NO_CPU_COLUMN = array("d", [NO_CPU])
_IDS = array("q")  # 0, 1, 2, …: task ids are sliced from it, grown on demand
_IDS_CAP = 1 << 21  # 16 MB at most; beyond it ids are made one by one


def _task_ids(first: int, count: int) -> array:
    """``array("q", range(first, first + count))`` as a slice (a C copy) of a cached run of
    ids: made item by item it was the largest single cost of a million-task map in the parent
    (docs/benchmarks.md). Only the first map that reaches a new id pays for making it."""
    stop = first + count
    if first < 0 or stop > _IDS_CAP:
        return array("q", range(first, stop))
    if len(_IDS) < stop:
        _IDS.extend(range(len(_IDS), min(_IDS_CAP, max(stop, 2 * len(_IDS)))))
    # A copy (a C slice), not a view: a view of _IDS kept alive (a traceback holding a frame)
    # would make the next extension of _IDS raise BufferError.
    return _IDS[first:stop]


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """An exception or a crash in a worker, carried as plain strings so it always pickles.

    ``origin`` says what kind of worker raised it: one of ``engine.executors.error_origins()``,
    which each executor kind declares (``thread``, ``process``, ``future``, ``pool``);
    ``traceback`` is the worker's own formatted traceback (its frames, files, lines).
    """

    origin: str
    type: str
    message: str
    traceback: str
    task: int | None = None
    worker: str = ""
    pid: int | None = None
    exitcode: int | None = None
    context: str = ""
    time: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "type": self.type,
            "message": self.message,
            "traceback": self.traceback,
            "task": self.task,
            "worker": self.worker,
            "pid": self.pid,
            "exitcode": self.exitcode,
            "context": self.context,
            "time": self.time,
        }


def measurement_label(
    series: str, backend: str, pool_size: int, repeat: int, repeats: int | None = None
) -> str:
    """``"cpu: processes × 4, repeat 2"``: the one name of a measurement, as the timeline, the
    trace and error records' ``context`` show it (the trace finds records by it). The repeat is
    left out only when ``repeats`` says there is just one."""
    label = f"{series}: {backend} × {pool_size}"
    return label if repeats == 1 else f"{label}, repeat {repeat + 1}"


@dataclass(frozen=True, slots=True)
class Measurement:
    """One timed map: a backend at a pool size, one repeat of one series of a scenario."""

    series: str
    backend: str
    pool_size: int
    repeat: int
    wall_s: float
    startup_s: float
    state: str
    task_count: int
    # What the tasks spend their time on: "cpu" (computing, capped at the core count) or "io"
    # (waiting, which needs no core). The scenario knows; the ideal curves are drawn from it.
    bound: str = "cpu"
    # Process kinds: where each chunk's time went, queued to returned (hops.py); else None.
    hops: HopBreakdown | None = None
