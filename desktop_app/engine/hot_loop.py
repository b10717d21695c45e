"""The loop that runs a chunk's tasks and times each: compiled where it was built, else Python.

Every benchmark of trivial tasks is this loop: per task one clock reading (the task's start,
which is also the previous task's end), the worker board's task number and the task's call.
The same loop in C (``_hotloop.c``) adds ~23 ns a task to the call (17 of them the clock),
against ~80 ns in Python (docs/benchmarks.md, issue 14 "Round 4"), and ~15 where it reads the
time-stamp counter instead ("Round 5": ``use_ticks``); the Python one stays as
the reference the tests hold the compiled one to, and as the loop where no C compiler built
it (another interpreter's run host, an install without one). Children import this module:
no Qt.
"""

from __future__ import annotations

import os
import threading
import time
from array import array
from collections.abc import Callable, Iterator
from typing import Any

# The thread's CPU clock is read at a task's start when at least this much wall time has passed
# since its last reading (and always at a chunk's first start and last end). A reading costs
# about 0.5 µs (a system call: the kernel has no vDSO fast path for a thread's CPU clock), three
# times a trivial task; every task of 20 µs or more gets readings of its own, and a run of
# shorter tasks shares the CPU share measured over the run.
CPU_STEP = 20e-6

# The version of _hotloop.c's run_tasks this module calls (its HOTLOOP_VERSION).
HOTLOOP_VERSION = 3


def usable_loop(module: Any) -> Callable[..., None] | None:
    """``module.run_tasks`` when ``module`` is the compiled loop of the version this file
    calls; None for a build of another version (``pip install -e`` leaves a source tree's
    build as it was across a pull), so the Python loop runs instead of every chunk failing."""
    if getattr(module, "VERSION", None) != HOTLOOP_VERSION:
        return None
    return getattr(module, "run_tasks", None)


try:  # built by setup.py where a C compiler was found; the Python loop does the same, slower
    from . import _hotloop
except ImportError:  # pragma: no cover - depends on how the lab was installed
    _compiled_loop = None
else:
    _compiled_loop = usable_loop(_hotloop)

# Where the kernel keeps CLOCK_MONOTONIC on the time-stamp counter, the counter is invariant and
# in step across CPUs (the kernel checked both before choosing it).
CLOCKSOURCE = "/sys/devices/system/clocksource/clocksource0/current_clocksource"


def kernel_clock_on_tsc(path: str = CLOCKSOURCE) -> bool:
    """Whether the kernel's clocksource is the time-stamp counter ("tsc")."""
    try:
        with open(path, encoding="ascii") as source:
            return source.read().strip() == "tsc"
    except (OSError, ValueError):  # not Linux, or no sysfs (a container without it)
        return False


# Whether the compiled loop reads each task's start from the time-stamp counter (~8 ns) and
# places it between readings of perf_counter's clock (~17 ns each, one every CPU_STEP): where
# the counter can be read (x86 Linux) and the kernel's own clock runs on it. Off in tests that
# hold the two ways against each other, and with CONCURRENCY_LAB_NO_TICKS=1 (every worker).
use_ticks = (
    _compiled_loop is not None
    and bool(getattr(_hotloop, "TICKS", 0))
    and kernel_clock_on_tsc()
    and os.environ.get("CONCURRENCY_LAB_NO_TICKS", "") in ("", "0")
)

# Whether chunks run in the compiled loop (when built). Off only for the A/B benchmark and the
# tests that hold the two loops against each other; CONCURRENCY_LAB_PYTHON_LOOP=1 sets it off in
# every worker, since a spawned worker re-imports this module.
use_compiled_loop = os.environ.get("CONCURRENCY_LAB_PYTHON_LOOP", "") in ("", "0")


def _loop_in_use() -> Callable[..., None] | None:
    """The compiled loop when it was built and is not switched off, else None."""
    return _compiled_loop if use_compiled_loop else None


# What a run timed by the Python loop is told, in the CLI report and the window's status bar.
PYTHON_LOOP_NOTE = (
    "the Python loop (no compiled loop for this interpreter): timing each task costs ~60 ns "
    "more than the compiled loop, which tasks under a few µs show"
)


def timing_loop() -> str:
    """Which loop times this process's chunks: "compiled" or "python" (a report says which)."""
    return "python" if _loop_in_use() is None else "compiled"


def task_clock() -> str:
    """How this process's chunks read each task's start: "tsc" (the time-stamp counter between
    readings of perf_counter's clock) or "perf_counter" (that clock every task)."""
    return "tsc" if _loop_in_use() is not None and use_ticks else "perf_counter"


def run_tasks(
    func: Callable,
    items: Iterator,
    chunk: Any,
    readings: tuple,
    board: Any,
    base: int,
    stop: threading.Event | None,
) -> None:
    """The hot loop of every benchmark: per task one clock call, the board's task number and
    the task's call. What need not be per task waits until ``CPU_STEP`` has passed (every task,
    for tasks that long): the thread's CPU clock, the stop flag (a cancel ends the chunk within
    20 µs of work) and the board's start time (the running task's start, early by at most
    20 µs). Run by the compiled loop (``_hotloop.c``) where it was built, else by
    :func:`_run_tasks_py`; the two do the same, checked in tests/engine/test_hotloop.py."""
    task = float(chunk.first + len(chunk.results))  # the board holds doubles
    stopped = stop.is_set if stop is not None else _not_stopped
    loop = _loop_in_use()
    buffer = None if board is None else _board_buffer(board)
    if loop is None or (board is not None and buffer is None):
        _run_tasks_py(func, items, chunk, readings, board, base, task, stopped)
        return
    loop(
        func,
        items,
        chunk.results,
        chunk.marks,
        readings[0].append,
        readings[1].append,
        buffer,
        base + 1,
        task,
        stopped,
        time.thread_time,
        CPU_STEP,
        use_ticks,
    )


def _not_stopped() -> bool:
    """The stop flag of a worker that has none. Python code on purpose, not ``bool``: the
    compiled loop calls it every ``CPU_STEP``, and entering a Python function is where the
    interpreter hands the GIL to a thread that asked for it and runs pending signal handlers.
    With C-function tasks and a C flag a chunk held the GIL to its end (the parent-watch
    thread of an orphaned worker could not run; tests/engine/test_hotloop.py)."""
    return False


def _board_buffer(board: Any) -> Any:
    """The board as the compiled loop writes it: a thread pool's array of doubles, or the
    view of doubles ``_worker._writable_view`` made of a process pool's shared one. None for
    anything else (that view could not be made): the Python loop writes it item by item."""
    if isinstance(board, array):
        return board if board.typecode == "d" else None
    if isinstance(board, memoryview) and board.format == "d" and not board.readonly:
        return board
    return None


def _run_tasks_py(
    func: Callable,
    items: Iterator,
    chunk: Any,
    readings: tuple,
    board: Any,
    base: int,
    task: float,
    stopped: Callable[[], bool],
) -> None:
    """The hot loop in Python, profiled in docs/benchmarks.md: one clock call, one comparison,
    two appends and the board's task number a task (the lab's chunk runner takes ~134 ns a
    task of squares on it, ~74 ns on the compiled loop; ``hot_loop_ablation.py``)."""
    marks, clock, cpu_clock = chunk.marks, time.perf_counter, time.thread_time
    mark, keep = marks.append, chunk.results.append
    read_at, read = readings[0].append, readings[1].append
    if board is None:
        board, base = [0.0] * 3, 0  # writing a scratch list is cheaper than testing per task
    index = base + 1
    due = 0.0
    for item in items:
        now = clock()
        if now >= due:
            if stopped():
                return
            cpu = cpu_clock()  # read first: the two readings are recorded together
            read_at(len(marks))
            read(cpu)
            board[base + 2] = now
            due = now + CPU_STEP
        mark(now)
        board[index] = task
        task += 1.0
        keep(func(item))
