"""Per-task cost of the worker's hot loop, part by part (issue 14; docs/benchmarks.md).

Run: python tests/benchmarks/hot_loop_ablation.py
Each variant is the loop with one more thing a task pays for, 100,000 squares, min over nine
rounds in alternating order (forwards, then backwards). Prints ns a task.
"""

from __future__ import annotations

import threading
import time
from array import array

from desktop_app.engine import hot_loop
from desktop_app.engine._worker import run_chunk


def sq(x: int) -> int:
    return x * x


items = list(range(100_000))
clock = time.perf_counter
cpu_clock = time.thread_time
board = [0.0] * 3
stop = threading.Event()


def v_bare():
    return [sq(x) for x in items]


def v_loop_keep():
    res: list = []
    keep = res.append
    for x in items:
        keep(sq(x))


def v_clock_mark():
    m = array("d")
    mark = m.append
    res: list = []
    keep = res.append
    for x in items:
        mark(clock())
        keep(sq(x))


def v_old_watched():
    """main's loop: stop flag, board start and task number on every task."""
    m = array("d")
    mark = m.append
    res: list = []
    keep = res.append
    task = 0
    stopped = stop.is_set
    for x in items:
        if stopped():
            return
        now = clock()
        mark(now)
        board[2] = now
        board[1] = task
        task += 1
        keep(sq(x))


def v_new():
    """the Python loop of round 3 (engine/hot_loop.py _run_tasks_py)."""
    m = array("d")
    mark = m.append
    res: list = []
    keep = res.append
    task = 0
    stopped = stop.is_set
    at, rd = array("q"), array("d")
    read_at, read = at.append, rd.append
    due = 0.0
    for x in items:
        now = clock()
        if now >= due:
            if stopped():
                return
            read_at(len(m))
            read(cpu_clock())
            board[2] = now
            due = now + 20e-6
        mark(now)
        board[1] = task
        task += 1
        keep(sq(x))


def v_cpu_every_task():
    m = array("d")
    mark = m.append
    res: list = []
    keep = res.append
    rd = array("d")
    read = rd.append
    for x in items:
        mark(clock())
        read(cpu_clock())
        keep(sq(x))


def v_lab_python() -> None:
    """the lab's whole chunk runner (engine/_worker.run_chunk) on the Python loop."""
    hot_loop.use_compiled_loop = False
    run_chunk(sq, 0, items)


def v_lab_compiled() -> None:
    """the same on the compiled loop (engine/_hotloop.c) reading the clock every task."""
    hot_loop.use_compiled_loop, hot_loop.use_ticks = True, False
    run_chunk(sq, 0, items)


def v_lab_counter() -> None:
    """the compiled loop reading the time-stamp counter, as the lab runs where the kernel's
    clock runs on it (hot_loop.use_ticks)."""
    hot_loop.use_compiled_loop, hot_loop.use_ticks = True, True
    run_chunk(sq, 0, items)


def main() -> None:
    variants = [v_bare, v_loop_keep, v_clock_mark, v_old_watched, v_new, v_cpu_every_task]
    if hot_loop._compiled_loop is not None:
        variants += [v_lab_python, v_lab_compiled]
        if getattr(hot_loop._hotloop, "TICKS", 0):
            variants.append(v_lab_counter)
    best = {f.__name__: float("inf") for f in variants}
    for index in range(9):
        for f in variants if index % 2 == 0 else variants[::-1]:
            began = clock()
            f()
            best[f.__name__] = min(best[f.__name__], clock() - began)
    for name, value in best.items():
        print(f"{name:18s} {value / len(items) * 1e9:6.0f} ns/task")


if __name__ == "__main__":
    main()
