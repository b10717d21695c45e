"""What runs inside a worker: the instrumented chunk runner and the worker initializer.

Child processes import this module (and ``workloads``), never Qt, so it must stay cheap to
import. Everything that leaves a worker is built to pickle: exceptions travel as three strings
(type, message, formatted traceback), the way ``concurrent.futures`` carries remote tracebacks,
because ``multiprocessing.Pool`` hangs for good on an exception that pickles but will not
unpickle (CPython gh-79492) and on ``SystemExit`` in a job (gh-66587).
"""

from __future__ import annotations

import io
import os
import pickle
import sys
import threading
import time
import traceback
from array import array
from collections.abc import Callable, Sequence
from typing import Any

from .gil import gil_enabled_now
from .hot_loop import CPU_STEP as CPU_STEP  # re-exported: the chunk's readings follow it
from .hot_loop import run_tasks
from .parent_watch import exit_with_parent
from .records import ErrorRecord
from .worker_heap import keep_heap_warm

# Captured output per chunk is capped so a worker printing megabytes cannot flood the app.
OUTPUT_LIMIT = 64 * 1024

# Doubles between two worker slots on the running-task board (pid, task, start, then padding):
# every worker writes its slot's task number on every task, and two slots on one 64-byte cache
# line made the two workers of a pool fight over it, doubling the hot loop's cost on trivial
# tasks (docs/benchmarks.md, issue 14). 16 doubles keep slots on separate lines however the
# shared array is aligned.
SLOT_STRIDE = 16

_local = threading.local()


def describe_exception(exc: BaseException) -> tuple[str, str, str]:
    """Type name, message and the formatted traceback of ``exc``, as plain strings."""
    kind = type(exc)
    name = (
        kind.__qualname__
        if kind.__module__ in ("builtins", "__main__")
        else (f"{kind.__module__}.{kind.__qualname__}")
    )
    try:
        message = str(exc)
    except BaseException as str_error:  # an exception whose __str__ itself raises
        message = f"<unprintable {kind.__name__}: {str_error!r}>"
    text = "".join(traceback.format_exception(kind, exc, exc.__traceback__))
    return name, message, text


def caught_record(exc: BaseException, *, worker: str, context: str) -> ErrorRecord:
    """The record of an exception the lab's own machinery caught in this process (origin
    ``thread``): the run host's run or listener, or the window's run thread."""
    name, message, text = describe_exception(exc)
    return ErrorRecord(
        "thread", name, message, text, worker=worker, pid=os.getpid(), context=context
    )


class _CapturingStdout(io.TextIOBase):
    """``sys.stdout`` stand-in: text written by a thread that is capturing goes to its buffer.

    It replaces ``redirect_stdout``, which is process-wide and so wrong for thread workers. Where
    a windowed frozen app has no stdout at all, uncaptured text is dropped instead of crashing.
    """

    def __init__(self, fallback: Any) -> None:
        self._fallback = fallback

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        buffer = getattr(_local, "capture", None)
        if buffer is not None:
            if buffer.tell() < OUTPUT_LIMIT:
                buffer.write(text)
            else:
                _local.dropped = getattr(_local, "dropped", 0) + len(text)
            return len(text)
        if self._fallback is not None:
            return self._fallback.write(text)
        return len(text)

    def flush(self) -> None:
        if self._fallback is not None and getattr(_local, "capture", None) is None:
            self._fallback.flush()


def install_stdout_capture() -> None:
    """Route ``print`` in worker threads to per-thread buffers (idempotent)."""
    if not isinstance(sys.stdout, _CapturingStdout):
        sys.stdout = _CapturingStdout(sys.stdout)


def _begin_capture() -> None:
    _local.capture = io.StringIO()
    _local.dropped = 0


def _end_capture() -> str:
    buffer = getattr(_local, "capture", None)
    _local.capture = None
    if buffer is None:
        return ""
    text = buffer.getvalue()
    dropped = getattr(_local, "dropped", 0)
    if dropped:
        text += f"\n… [{dropped} more characters of output dropped]\n"
    return text


# --- the worker board: which task each worker is running right now -------------------------


class ThreadBoard:
    """In-process board for thread workers: slot -> [pid, task, start]; task -1 when idle."""

    def __init__(self, slots: int) -> None:
        self.values = array("d", [0.0]) * (SLOT_STRIDE * slots)
        self.slots = slots
        self._next = 0
        self._lock = threading.Lock()

    def claim_slot(self) -> int:
        with self._lock:
            slot = self._next % self.slots
            self._next += 1
        return slot


def running_tasks(values: Sequence[float], slots: int) -> list[tuple[int, int, float]]:
    """(pid, task, start) for every busy slot of a board's values."""
    out = []
    for slot in range(slots):
        pid, task, start = values[SLOT_STRIDE * slot : SLOT_STRIDE * slot + 3]
        if task >= 0 and pid:
            out.append((int(pid), int(task), start))
    return out


def init_thread_worker(board: ThreadBoard) -> None:
    """``ThreadPoolExecutor`` initializer: claim a board slot for this thread."""
    _local.slot = board.claim_slot()
    _local.board = board.values
    board.values[SLOT_STRIDE * _local.slot] = os.getpid()
    board.values[SLOT_STRIDE * _local.slot + 1] = -1


def init_process_worker(board: Any, slots: int, counter: Any, ready: Any, nice: int) -> None:
    """Process-pool initializer: board slot, parent-death watch, a warm heap, stdout capture,
    readiness.

    The watch thread exits the worker as soon as the app dies, even by SIGKILL; without it
    pool workers (and then the forkserver and resource tracker) lived on for good.
    """
    exit_with_parent()
    keep_heap_warm()  # chunk buffers reuse the heap instead of faulting pages in every chunk
    if nice:
        try:
            os.nice(nice)
        except (AttributeError, OSError):  # Windows has no nice(); not being nicer is harmless
            pass
    install_stdout_capture()
    with counter.get_lock():
        _local.slot = counter.value % slots
        counter.value += 1
    _local.board = _writable_view(board)
    board[SLOT_STRIDE * _local.slot] = os.getpid()
    board[SLOT_STRIDE * _local.slot + 1] = -1
    ready.release()


def _writable_view(board: Any) -> Any:
    """The shared board as a flat memoryview of doubles: the hot loop writes the running
    task's number every task, and a ctypes array's item assignment costs 33 ns against 18."""
    try:
        return memoryview(board).cast("B").cast("d")
    except (TypeError, ValueError):  # not a buffer of doubles: write through the array itself
        return board


# --- the chunk runner ----------------------------------------------------------------------


class ChunkResult:
    """Outcome of a contiguous chunk of tasks run by one worker.

    Task times are kept as ``marks``: the start of every task, then the end of the last one.
    Task i ends where task i + 1 starts, so one clock call per task does the work of two (the
    few list appends between them count towards the next task). A failed task keeps its own
    end in ``error_ends``, taken before its traceback is formatted. ``readings`` are the
    thread-clock readings (mark index, CPU seconds; see :data:`CPU_STEP`), or ``None`` when the
    runner took none; the parent turns them into each task's on-CPU share, so a worker ships
    a few bytes per 20 µs instead of eight per task.
    """

    __slots__ = (
        "first",
        "pid",
        "thread",
        "results",
        "marks",
        "errors",
        "error_ends",
        "output",
        "gil",  # whether the GIL was on at the chunk's end, after its tasks' imports (gil.py)
        "readings",
    )

    def __init__(self, first: int, pid: int, thread: str) -> None:
        self.first = first
        self.pid = pid
        self.thread = thread
        self.results: list[Any] = []
        self.marks = array("d")
        # (task, type, message, traceback) of every failed task
        self.errors: list[tuple[int, str, str, str]] = []
        self.error_ends: dict[int, float] = {}
        self.output = ""
        self.gil: bool | None = None
        self.readings: tuple[array, array] | None = None

    def __getstate__(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state: tuple) -> None:
        for name, value in zip(self.__slots__, state, strict=True):
            setattr(self, name, value)

    def span_columns(self) -> tuple[memoryview, array | memoryview, array]:
        """(starts, ends, ok) of the chunk's tasks, for :meth:`SpanTable.extend_chunk`. The
        starts (and the ends, unless a task failed) are views of ``marks``, not copies: the
        table copies them once (each copy of a million marks cost the parent ~5 ms)."""
        count = len(self.results)
        marks = memoryview(self.marks)
        starts = marks[:count]
        if not self.errors and not self.error_ends:
            return starts, marks[1 : count + 1], array("b", [1]) * count
        ends = self.marks[1 : count + 1]
        ok = array("b", [1]) * count
        for task, *_ in self.errors:
            ok[task - self.first] = 0
        for task, end in self.error_ends.items():
            ends[task - self.first] = end
        return starts, ends, ok

    def span_on_cpu(self) -> array | None:
        """Each task's on-CPU share (``extend_chunk``'s ``on_cpu``), or ``None`` when the runner
        took no readings. Apart from :meth:`span_columns`, whose three columns callers unpack."""
        if self.readings is None:
            return None
        on_cpu = task_shares(self.marks, *self.readings)
        return on_cpu if len(on_cpu) == len(self.results) else None  # never mislabel a task


def task_shares(marks: array, cpu_at: array, cpu_marks: array) -> array:
    """Each task's on-CPU share from the sparse thread-clock readings of a chunk.

    ``cpu_marks[j]`` is the thread's CPU clock read at ``marks[cpu_at[j]]``; every task between
    two readings gets the share measured between them (a task with readings of its own gets
    exactly its own). One repeat of a one-item array per reading: no Python work per task.
    """
    shares = array("d")
    for j in range(len(cpu_at) - 1):
        begin, stop = cpu_at[j], cpu_at[j + 1]
        wall = marks[stop] - marks[begin]
        share = (cpu_marks[j + 1] - cpu_marks[j]) / wall if wall > 0 else 0.0
        shares.extend(array("d", [share]) * (stop - begin))
    return shares


def run_chunk(
    func: Callable[[Any], Any],
    first: int,
    items: Sequence[Any],
    stop: threading.Event | None = None,
) -> ChunkResult:
    """Run ``func`` on each item, timing each task; never raises for a task's exception.

    ``stop`` (thread workers only: they cannot be killed) ends the chunk between two tasks.
    The try block is around the loop, not inside it (a failure resumes the loop). An exception
    raised after a task was taken but before its start was marked (a signal handler the task
    installed) still leaves one mark a task; one raised twice running without any task taken
    is the loop's own failure, and fails the chunk instead of recording phantom tasks forever.
    """
    chunk = ChunkResult(first, os.getpid(), threading.current_thread().name)
    results, marks = chunk.results, chunk.marks
    board = getattr(_local, "board", None)
    base = SLOT_STRIDE * _local.slot if board is not None else 0
    clock = time.perf_counter
    remaining = iter(items)
    readings = (array("q"), array("d"))  # (mark index, thread CPU clock) pairs
    stalled = 0
    _begin_capture()
    try:
        while True:
            marked = len(marks)
            try:
                run_tasks(func, remaining, chunk, readings, board, base, stop)
                break
            except BaseException as exc:  # SystemExit too: it must not kill a pool worker
                end = clock()
                stalled = stalled + 1 if len(marks) == marked else 0
                if stalled > 1:
                    raise
                if len(marks) == len(results):  # taken, not marked: it starts where it failed
                    marks.append(end)
                task = first + len(results)
                chunk.error_ends[task] = end
                chunk.errors.append((task, *describe_exception(exc)))
                results.append(None)
    finally:
        marks.append(clock())
        readings[0].append(len(marks) - 1)
        readings[1].append(time.thread_time())
        if board is not None:
            board[base + 1] = -1
        chunk.output = _end_capture()
        chunk.gil = gil_enabled_now()
    chunk.readings = readings
    return chunk


def run_chunk_pickled(func: Callable[[Any], Any], first: int, items: Sequence[Any]) -> bytes:
    """:func:`run_chunk` for process workers: returns the chunk already pickled.

    Pickling here, not in the pool's machinery, lets one unpicklable result become an error
    record for its own task instead of failing (or, in ``multiprocessing.Pool``, hanging) the
    whole chunk.
    """
    return pickle_chunk(run_chunk(func, first, items), func)


def pickle_chunk(chunk: ChunkResult, func: Callable[[Any], Any]) -> bytes:
    """``chunk`` pickled; a result that will not pickle becomes its own task's error."""
    first = chunk.first
    try:
        return pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        for offset, value in enumerate(chunk.results):
            try:
                pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:
                name, message, text = describe_exception(exc)
                message = (
                    f"result of task {first + offset} ({name_of(func)}) cannot be pickled: "
                    f"{message}"
                )
                chunk.errors.append((first + offset, name, message, text))
                chunk.results[offset] = None
        return pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)


def name_of(func: Callable[..., Any]) -> str:
    return getattr(func, "__qualname__", None) or repr(func)
