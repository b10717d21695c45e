"""Lesson 1: threads win when tasks wait, processes win when they compute — because of the GIL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine.outputs.report import gil_enabled
from ..engine.stats import SummaryRow, cpu_count, summarize
from ..workloads import burn_iterations, cpu_burn, io_wait, io_wait_async
from ._cluster_choice import cluster_note, executor_param, map_kind
from ._summary_cells import SCALING_COLUMNS, SPREAD_COLUMNS, fixed, scaling_cells, spread_cells
from .base import Param, Preset, Scenario
from .registry import register

if TYPE_CHECKING:
    from ..engine.context import RunContext

SERIES = ("io", "cpu")
BACKENDS = ("serial", "threads", "processes", "asyncio")


def compare_io_and_cpu(ctx: RunContext) -> None:
    """The same n tasks, waiting then computing, on serial, threads, processes and asyncio."""
    n = ctx.params["n"]
    size = ctx.pool_sizes[0]
    # series: (task, items, what the task is bound by: waiting scales past the cores)
    work = {
        "io": (io_wait, [ctx.params["io_ms"] / 1000.0] * n, "io"),
        "cpu": (cpu_burn, [burn_iterations(ctx.params["cpu_ms"])] * n, "cpu"),
    }
    kind = map_kind(ctx, "processes")
    backends = _backends(kind)
    for repeat in range(ctx.repeats):
        for series, (func, items, bound) in work.items():
            for backend in backends:
                # asyncio awaits the waiting task's coroutine twin; the computing task it calls
                # as it is, blocking its loop: that is what the series shows.
                task = io_wait_async if backend == "asyncio" and bound == "io" else func
                # One task per chunk: the tasks are long, and cancel is checked between chunks.
                outcome = ctx.measure(
                    series, backend, size, task, items, repeat=repeat, chunksize=1, bound=bound
                )
                workers = "1 worker" if backend == "serial" else f"{size} workers"
                ctx.print(
                    f"{series}: {n} tasks on {backend} ({workers}) took {outcome.wall_s:.3f} s"
                    f" [{outcome.state}]"
                )
    # The notes read the process series as "processes", whichever kind ran it.
    rows = {
        (r.series, "processes" if r.backend == kind else r.backend): r
        for r in summarize(e.measurement for e in ctx.report.runs)
    }
    table = []
    for series in SERIES:
        for backend, shown in zip(BACKENDS, backends, strict=True):
            row = rows.get((series, backend))
            if row is not None:
                median = fixed(row.median_s, 4)
                table.append([series, shown, median, *spread_cells(row), *scaling_cells(row)])
    ctx.set_table(["series", "backend", "median (s)", *SPREAD_COLUMNS, *SCALING_COLUMNS], table)
    notes = _io_notes(rows, n, size) + _cpu_notes(rows, n, size, ctx.params["cpu_ms"])
    for text in notes + _startup_notes(rows, size):
        ctx.note(text)
    where = cluster_note(kind)
    if where:
        ctx.note(where)


def _backends(kind: str) -> tuple[str, ...]:
    """The backends in the lesson's order, the process series on ``kind``."""
    return tuple(kind if backend == "processes" else backend for backend in BACKENDS)


def _speedup(rows: dict[tuple[str, str], SummaryRow], series: str, backend: str) -> float | None:
    row = rows.get((series, backend))
    return None if row is None else row.speedup


def _io_notes(rows: dict[tuple[str, str], SummaryRow], n: int, size: int) -> list[str]:
    """What the waiting tasks showed, worded from the measured speedups."""
    threads, processes = _speedup(rows, "io", "threads"), _speedup(rows, "io", "processes")
    if threads is None or processes is None:
        return ["I/O: not every backend completed, so there is no comparison to draw."]
    ideal = min(size, n)
    if threads >= 1.5:
        notes = [
            f"I/O: {size} threads finished the {n} waits {threads:.1f}× faster than serial "
            f"(ideal {ideal}×). A thread that sleeps (or waits on a disk or a socket) releases "
            "the GIL, so the waits overlap; waiting needs no core, so even more threads than "
            "cores help."
        ]
    elif ideal < 2:
        notes = [
            f"I/O: with {n} task(s) and {size} worker(s) there was nothing to overlap "
            f"(threads {threads:.2f}×)."
        ]
    else:
        notes = [
            f"I/O: threads were only {threads:.2f}× serial this run, short of the ideal "
            f"{ideal}×: the machine may have been too busy to wake the waiting threads."
        ]
    if processes < threads:
        notes.append(
            f"I/O: processes overlapped the waits too ({processes:.1f}×) but came "
            "second: each task and result crosses a process boundary, and a process is "
            "a heavier worker than a thread for work that only waits."
        )
    else:
        notes.append(
            f"I/O: processes did as well as threads here ({processes:.2f}× vs "
            f"{threads:.2f}×): waiting needs no GIL, so any worker that can wait "
            "alongside others helps; threads remain the cheaper worker to start."
        )
    return notes + _asyncio_io_notes(rows, threads)


def _asyncio_io_notes(rows: dict[tuple[str, str], SummaryRow], threads: float) -> list[str]:
    """asyncio on the waiting tasks: one thread, yet the awaits overlap like threads' sleeps."""
    loop = _speedup(rows, "io", "asyncio")
    if loop is None:
        return []
    if loop >= 1.5:
        return [
            f"I/O: asyncio overlapped the waits too ({loop:.1f}×, threads {threads:.1f}×) on "
            "one thread: each task awaits its sleep, and the event loop runs the others "
            "meanwhile."
        ]
    return [
        f"I/O: asyncio gave only {loop:.2f}× this run (threads {threads:.2f}×): the loop "
        "thread may not have been woken in time on a busy machine."
    ]


def _cpu_notes(
    rows: dict[tuple[str, str], SummaryRow], n: int, size: int, cpu_ms: int
) -> list[str]:
    """What the computing tasks showed, worded from the measured speedups."""
    threads, processes = _speedup(rows, "cpu", "threads"), _speedup(rows, "cpu", "processes")
    if threads is None or processes is None:
        return ["CPU: not every backend completed, so there is no comparison to draw."]
    cores = cpu_count()
    ideal = min(size, n, cores)
    notes = [_cpu_threads_note(threads, size)]
    if processes >= 1.3 and processes > threads:
        notes.append(
            f"CPU: processes gave {processes:.1f}× (ideal {ideal}×: {size} workers, "
            f"{cores} core(s)). Each process has its own interpreter and its own GIL, "
            "so they computed on separate cores at once."
        )
    elif ideal < 2:
        notes.append(
            f"CPU: processes gave {processes:.2f}×: with {n} task(s), {size} "
            f"worker(s) and {cores} core(s) there is nothing to run in parallel."
        )
    else:
        notes.append(
            f"CPU: processes did not win this run ({processes:.2f}× vs threads "
            f"{threads:.2f}×). With {cpu_ms} ms tasks either sending the work cost "
            "too much, or other programs held the cores; raise cpu_ms or run again."
        )
    loop = _speedup(rows, "cpu", "asyncio")
    if loop is not None:
        notes.append(
            f"CPU: asyncio gave {loop:.2f}×: a computing task never awaits, so it blocks the "
            "one event loop and the tasks ran one after another, as serial does (see the spans)."
        )
    return notes


def _cpu_threads_note(threads: float, size: int) -> str:
    """What the thread pool did with CPU work: the GIL's effect, as measured."""
    if not gil_enabled():
        return f"CPU: this Python runs without the GIL; threads gave {threads:.2f}×."
    if threads < 1.3:
        gain = "no gain" if threads < 1.1 else "hardly a gain"
        return (
            f"CPU: threads gave {threads:.2f}× — {gain}. The GIL lets one thread run Python "
            f"bytecode at a time, so the {size} threads took turns on one core."
        )
    return (
        f"CPU: threads gave {threads:.2f}×, more than the GIL should allow; "
        "repeat the run to see whether it was noise."
    )


def _startup_notes(rows: dict[tuple[str, str], SummaryRow], size: int) -> list[str]:
    """Process start-up, which the timings above leave out."""
    notes = []
    startup = rows.get(("cpu", "processes")) or rows.get(("io", "processes"))
    if startup is not None and startup.startup_s > 0:
        notes.append(
            f"Starting {size} worker processes took {startup.startup_s:.3f} s, "
            "measured apart and not counted in the times above."
        )
    return notes


SCENARIO = register(
    Scenario(
        id="io-vs-cpu",
        title="I/O-bound vs CPU-bound: threads or processes?",
        lesson="Multithreading vs multiprocessing",
        summary=(
            "The same number of tasks runs twice: once tasks that only wait (a sleep standing "
            "in for a disk or network call), once tasks that compute in pure Python. Each kind "
            "runs serially, on a thread pool, on a process pool and as coroutines on one "
            "asyncio event loop, and the speedups are measured. Waiting releases the GIL, computing holds it: that one fact decides "
            "which pool wins."
        ),
        when_to_use=(
            "Reach for threads when your tasks mostly wait (HTTP calls, file or database "
            "access): they are cheap and share memory. Reach for processes when your tasks "
            "burn CPU in Python code: only separate interpreters run it on several cores at "
            "once, at the price of start-up and of pickling arguments and results."
        ),
        params=(
            Param(
                "n",
                "Tasks per kind",
                "int",
                8,
                "How many I/O tasks and how many CPU tasks.",
                1,
                256,
            ),
            Param(
                "io_ms",
                "Wait per I/O task",
                "int",
                100,
                "How long each I/O-bound task sleeps.",
                1,
                2000,
                unit="ms",
            ),
            Param(
                "cpu_ms",
                "Work per CPU task",
                "int",
                50,
                "About how long each CPU-bound task computes on one core (calibrated once).",
                1,
                2000,
                unit="ms",
            ),
            executor_param("processes"),
        ),
        run=compare_io_and_cpu,
        code_objects=(io_wait, io_wait_async, cpu_burn, compare_io_and_cpu),
        extra_code="""
# The lesson in plain Python:
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

def wait_io(_):      # I/O-bound: sleeping releases the GIL
    time.sleep(0.1)

def burn_cpu(_):     # CPU-bound: pure Python holds the GIL
    return sum(i * i % 7 for i in range(500_000))

def timed(label, run):
    began = time.perf_counter()
    run()
    print(f"{label}: {time.perf_counter() - began:.2f} s")

if __name__ == "__main__":
    for name, task in (("io", wait_io), ("cpu", burn_cpu)):
        timed(f"{name} serial", lambda: [task(i) for i in range(8)])
        with ThreadPoolExecutor(4) as pool:
            timed(f"{name} threads", lambda: list(pool.map(task, range(8))))
        with ProcessPoolExecutor(4) as pool:   # this map also pays the processes' start-up
            timed(f"{name} processes", lambda: list(pool.map(task, range(8))))
""",
        pool_sizes=(4,),
        presets=(
            Preset(
                "Mostly waiting: threads beat the GIL",
                "Long sleeps and little computing: threads overlap the waits as well as "
                "processes do, without the processes' start-up cost.",
                (("n", 8), ("io_ms", 200), ("cpu_ms", 5)),
                pool_size=8,
            ),
            Preset(
                "Mostly computing: only processes help",
                "Long computations hold the GIL: threads take turns and gain nothing, "
                "processes run on all cores at once.",
                (("n", 8), ("io_ms", 5), ("cpu_ms", 200)),
                pool_size=4,
            ),
        ),
        repeats=1,
        kinds=(*BACKENDS, "dask"),
        order=1,
    )
)
