"""The compiled hot loop (engine/_hotloop.c) against the Python loop (engine/hot_loop.py).

Every test runs a chunk through both loops (``use_compiled_loop`` on and off) and asserts the
same chunk comes out: results, errors, the number and order of the marks, the CPU readings'
positions, the board. Times differ between two runs, so they are checked for what must hold
whatever the load: on the ``perf_counter`` timeline, in order, one per task plus the end.
"""

from __future__ import annotations

import threading
import time
from array import array

import pytest

from desktop_app import workloads
from desktop_app.engine import _worker, hot_loop
from desktop_app.engine._worker import SLOT_STRIDE, ThreadBoard, run_chunk, running_tasks

pytestmark = pytest.mark.skipif(
    hot_loop._compiled_loop is None,
    reason="the compiled loop was not built (no C compiler when the lab was installed)",
)


@pytest.fixture
def loops(monkeypatch):
    """Run ``run_chunk`` once with each loop: returns a function doing so."""

    def both(func, first, items, stop=None):
        out = {}
        # True: the compiled loop as the lab runs it here (the time-stamp counter where the
        # kernel's clock runs on it); "clock": the compiled loop reading the clock every task;
        # False: the Python loop.
        for way, compiled, ticks in (
            (True, True, hot_loop.use_ticks),
            ("clock", True, False),
            (False, False, False),
        ):
            monkeypatch.setattr(hot_loop, "use_compiled_loop", compiled)
            monkeypatch.setattr(hot_loop, "use_ticks", ticks)
            began = time.perf_counter()
            chunk = run_chunk(func, first, items, stop)
            out[way] = (chunk, began, time.perf_counter())
        return out

    return both


def _shape(chunk):
    return (
        chunk.first,
        chunk.results,
        [(task, name, message) for task, name, message, _ in chunk.errors],
        sorted(chunk.error_ends),
        len(chunk.marks),
        chunk.output,
    )


def test_a_report_names_the_compiled_loop_when_it_was_built():
    """Built (``.ci/run`` fails when it was not, since these tests would then skip), the lab
    uses the compiled loop, and a report names the loop that timed it."""
    from desktop_app.engine.outputs.report import environment

    assert hot_loop.timing_loop() == "compiled"
    assert environment()["timing_loop"] == "compiled"


def test_both_loops_give_the_same_chunk_on_the_perf_counter_timeline(loops):
    items = list(range(5000))
    for chunk, began, ended in loops(workloads.square, 10, items).values():
        assert _shape(chunk) == (10, [x * x for x in items], [], [], 5001, "")
        marks = list(chunk.marks)
        assert began <= marks[0] and marks[-1] <= ended
        assert marks == sorted(marks)
        starts, ends, ok = chunk.span_columns()
        assert len(starts) == len(ends) == 5000 and all(ok)


def test_a_failing_task_is_its_own_error_and_the_chunk_goes_on(loops):
    items = list(range(300))
    runs = loops(workloads.square_fails_at_five, 0, items)
    compiled, python = runs[True][0], runs[False][0]
    assert _shape(compiled) == _shape(python) == _shape(runs["clock"][0])
    assert [task for task, *_ in compiled.errors] == [5]
    assert compiled.errors[0][1] == python.errors[0][1] == "ValueError"
    assert "square_fails_at_five" in compiled.errors[0][3]  # the task's own traceback
    starts, ends, ok = compiled.span_columns()
    assert not ok[5] and ends[5] >= starts[5] and sum(ok) == 299
    shares = compiled.span_on_cpu()
    assert shares is not None and len(shares) == 300


def test_system_exit_in_a_task_does_not_end_the_chunk(loops):
    def leave(x):
        if x == 2:
            raise SystemExit(3)
        return x

    runs = loops(leave, 0, list(range(5)))
    assert _shape(runs[True][0]) == _shape(runs[False][0])
    assert runs[True][0].results == [0, 1, None, 3, 4]


def test_the_cpu_clock_is_read_at_the_same_places(loops, monkeypatch):
    monkeypatch.setattr(hot_loop, "CPU_STEP", 0.0)  # a reading before every task
    runs = loops(workloads.square, 0, list(range(50)))
    for chunk, *_ in runs.values():
        at, cpu = chunk.readings
        assert list(at) == list(range(51))  # every task's start, then the chunk's end
        assert list(cpu) == sorted(cpu)


def test_a_set_stop_flag_ends_the_chunk_before_its_first_task(loops):
    stop = threading.Event()
    stop.set()
    for chunk, *_ in loops(workloads.square, 0, list(range(10)), stop).values():
        assert chunk.results == [] and len(chunk.marks) == 1


def test_the_board_shows_the_running_task_and_idle_after(monkeypatch):
    board = ThreadBoard(2)
    seen = []

    def look(x):
        seen.append(running_tasks(board.values, 2))
        return x

    monkeypatch.setattr(hot_loop, "use_compiled_loop", True)
    monkeypatch.setattr(_worker._local, "slot", 1, raising=False)
    monkeypatch.setattr(_worker._local, "board", board.values, raising=False)
    board.values[SLOT_STRIDE] = 4242
    run_chunk(look, 7, [0, 1, 2])
    assert [[(pid, task) for pid, task, _ in row] for row in seen] == [
        [(4242, 7)],
        [(4242, 8)],
        [(4242, 9)],
    ]
    assert running_tasks(board.values, 2) == []  # idle again at the chunk's end


def test_an_iterator_that_raises_keeps_the_marks_so_far():
    def items():
        yield 1
        yield 2
        raise KeyError("gone")

    marks, results = array("d"), []
    with pytest.raises(KeyError):
        hot_loop._compiled_loop(
            abs, items(), results, marks, [].append, [].append, None, 1, 0.0, bool,
            time.thread_time, 1.0, hot_loop.use_ticks,
        )  # fmt: skip
    assert results == [1, 2] and len(marks) == 2


def test_wrong_arguments_are_refused_with_what_is_wrong():
    loop = hot_loop._compiled_loop
    args = [abs, iter([1]), [], array("d"), [].append, [].append, None, 1, 0.0, bool]
    with pytest.raises(TypeError, match="13 arguments"):
        loop(*args)
    with pytest.raises(TypeError, match="results must be a list"):
        loop(abs, iter([1]), (), *args[3:], time.thread_time, 1.0, False)
    with pytest.raises(TypeError, match="iterator"):
        loop(abs, [1], [], *args[3:], time.thread_time, 1.0, False)
    small = memoryview(bytearray(16)).cast("d")
    with pytest.raises(IndexError, match="outside the board"):
        loop(*args[:6], small, 5, 0.0, bool, time.thread_time, 1.0, False)


def test_a_build_of_another_version_is_not_used():
    """A source tree keeps its old build across a pull (``pip install -e`` does not rebuild
    it): the Python loop runs instead of a compiled loop that takes other arguments."""
    from types import SimpleNamespace

    assert hot_loop.usable_loop(hot_loop._hotloop) is hot_loop._compiled_loop
    assert hot_loop.usable_loop(SimpleNamespace(run_tasks=abs)) is None  # no VERSION: older
    newer = SimpleNamespace(VERSION=hot_loop.HOTLOOP_VERSION + 1, run_tasks=abs)
    assert hot_loop.usable_loop(newer) is None


class _Flag:
    """A stop flag whose ``is_set`` raises at its n-th call (as a signal handler might)."""

    def __init__(self, raise_at: int) -> None:
        self.calls, self.raise_at = 0, raise_at

    def is_set(self) -> bool:
        self.calls += 1
        if self.calls == self.raise_at:
            raise InterruptedError("stop flag broke")
        return False


def test_a_stop_flag_set_by_a_task_ends_the_chunk_before_the_next(loops, monkeypatch):
    monkeypatch.setattr(hot_loop, "CPU_STEP", 0.0)  # the flag is asked before every task
    for compiled in (True, False):
        stop = threading.Event()

        def task(x, stop=stop):
            if x == 3:
                stop.set()
            return x

        monkeypatch.setattr(hot_loop, "use_compiled_loop", compiled)
        chunk = run_chunk(task, 0, list(range(10)), stop)
        assert chunk.results == [0, 1, 2, 3] and len(chunk.marks) == 5, compiled


def test_a_task_taken_but_failed_before_its_start_keeps_one_mark_a_task(loops, monkeypatch):
    """The checkpoint raising (here the stop flag) after an item was taken: that item is a
    failed task with a start of its own, and the chunk goes on with the rest."""
    monkeypatch.setattr(hot_loop, "CPU_STEP", 0.0)
    shapes = []
    for compiled in (True, False):
        monkeypatch.setattr(hot_loop, "use_compiled_loop", compiled)
        chunk = run_chunk(workloads.square, 0, list(range(6)), _Flag(raise_at=3))
        assert chunk.results == [0, 1, None, 9, 16, 25], compiled
        assert [(task, name) for task, name, *_ in chunk.errors] == [(2, "InterruptedError")]
        starts, ends, ok = chunk.span_columns()
        assert len(starts) == len(ends) == 6 and list(ok) == [1, 1, 0, 1, 1, 1]
        assert chunk.span_on_cpu() is not None  # the readings stayed one per mark they name
        shapes.append(_shape(chunk))
    assert shapes[0] == shapes[1]


def test_a_loop_that_cannot_run_fails_the_chunk_instead_of_spinning(monkeypatch):
    """A board the loop cannot write (not doubles) raised before any task on every retry:
    the chunk now fails as a whole after the second try, with at most one task recorded."""
    board = array("q", [0]) * (2 * SLOT_STRIDE)  # integers: a float task number cannot go in
    monkeypatch.setattr(_worker._local, "slot", 0, raising=False)
    monkeypatch.setattr(_worker._local, "board", board, raising=False)
    for compiled in (True, False):
        monkeypatch.setattr(hot_loop, "use_compiled_loop", compiled)
        with pytest.raises(TypeError):
            run_chunk(workloads.square, 0, list(range(1000)))


def test_c_function_tasks_let_other_threads_run_during_the_chunk():
    """A chunk of C-function tasks runs no Python code: the loop hands the GIL over every
    switch interval, as the interpreter does, so another thread (the worker's parent-watch,
    a thread pool's other workers) runs meanwhile, not only once the chunk is done."""
    ticks: list[float] = []
    done = threading.Event()

    def spin():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0)

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        time.sleep(0.01)
        began = time.perf_counter()
        chunk = run_chunk(abs, 0, [-1] * 3_000_000)
        ended = time.perf_counter()
    finally:
        done.set()
        spinner.join()
    assert chunk.results[-1] == 1
    span = ended - began
    inside = [t for t in ticks if began + 0.1 * span < t < ended - 0.1 * span]
    assert inside, (span, len(ticks))


# The counter's path runs wherever the loop can read it, whatever the kernel's clocksource (the
# lab uses it only where that is "tsc", but the conversion is the same code everywhere).
needs_ticks = pytest.mark.skipif(
    not getattr(hot_loop._hotloop, "TICKS", 0), reason="this CPU has no counter the loop reads"
)


@pytest.fixture
def ticked(monkeypatch):
    monkeypatch.setattr(hot_loop, "use_compiled_loop", True)
    monkeypatch.setattr(hot_loop, "use_ticks", True)


@needs_ticks
def test_starts_read_from_the_counter_are_on_the_perf_counter_timeline(ticked):
    """Each task reads perf_counter itself: its start (a counter reading placed between the
    clock readings around it) must come before that, and the next task's start after it.
    Tasks of uneven lengths over ~4 ms make ~200 anchors (the loop's buffer starts at 64), so
    a start placed by the wrong segment or a wrong rate would land microseconds off."""
    seen: list[float] = []

    def task(x):
        until = time.perf_counter() + (x % 7) * 1e-6
        while time.perf_counter() < until:
            pass
        seen.append(time.perf_counter())
        return x

    chunk = run_chunk(task, 0, list(range(1500)))
    marks = list(chunk.marks)
    assert len(marks) == 1501 and len(chunk.readings[0]) > 64
    slack = 1e-6  # two unserialized counter reads and a clock read apart
    for i, inside in enumerate(seen):
        assert marks[i] <= inside + slack, (i, marks[i], inside)
        assert inside <= marks[i + 1] + slack, (i, inside, marks[i + 1])


@needs_ticks
def test_the_counter_and_the_clock_give_the_same_chunk(loops, monkeypatch):
    monkeypatch.setattr(hot_loop, "use_ticks", True)
    runs = loops(workloads.square, 0, list(range(20_000)))
    (counted, began, ended), (clocked, *_) = runs[True], runs["clock"]
    assert _shape(counted) == _shape(clocked)
    marks = list(counted.marks)
    assert began <= marks[0] and marks[-1] <= ended and marks == sorted(marks)


@needs_ticks
def test_on_the_counter_checkpoints_still_come_every_step(ticked):
    """The counter says when a step has passed once its rate is known: the checkpoints (CPU
    readings, the stop flag) stay about CPU_STEP apart, as on the clock. A rate taken wrong
    from one skewed reading spaced them 850 µs apart instead of 20."""
    chunk = run_chunk(workloads.square, 0, list(range(60_000)))  # ~2-3 ms of tasks
    at = list(chunk.readings[0])
    gaps = sorted(chunk.marks[j] - chunk.marks[i] for i, j in zip(at[:-1], at[1:], strict=True))
    assert len(gaps) > 20
    assert gaps[len(gaps) // 2] < 3 * hot_loop.CPU_STEP, gaps[len(gaps) // 2]


@needs_ticks
def test_on_the_counter_a_stop_flag_and_a_failing_task_behave_as_on_the_clock(ticked, monkeypatch):
    monkeypatch.setattr(hot_loop, "CPU_STEP", 0.0)
    stop = threading.Event()

    def task(x):
        if x == 3:
            stop.set()
        return x

    chunk = run_chunk(task, 0, list(range(10)), stop)
    assert chunk.results == [0, 1, 2, 3] and len(chunk.marks) == 5
    chunk = run_chunk(workloads.square_fails_at_five, 0, list(range(8)))
    starts, ends, ok = chunk.span_columns()
    assert list(ok) == [1, 1, 1, 1, 1, 0, 1, 1]
    assert list(chunk.marks) == sorted(chunk.marks) and ends[5] >= starts[5]


def test_the_counter_is_used_only_where_the_kernels_clock_runs_on_it(tmp_path):
    source = tmp_path / "current_clocksource"
    source.write_text("tsc\n")
    assert hot_loop.kernel_clock_on_tsc(str(source))
    source.write_text("kvm-clock\n")
    assert not hot_loop.kernel_clock_on_tsc(str(source))
    assert not hot_loop.kernel_clock_on_tsc(str(tmp_path / "absent"))


def test_a_report_names_how_task_starts_were_read(monkeypatch):
    from desktop_app.engine.outputs.report import environment

    expected = "tsc" if hot_loop.use_ticks else "perf_counter"
    assert environment()["task_clock"] == hot_loop.task_clock() == expected
    monkeypatch.setattr(hot_loop, "use_compiled_loop", False)  # the Python loop: the clock
    assert environment()["task_clock"] == "perf_counter"
