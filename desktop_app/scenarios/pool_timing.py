"""Lesson 8: timing Pool.map at several pool sizes — overhead for tiny tasks, cores for heavy ones."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from ..engine.hops import PART_LABELS, PARTS, hop_rows
from ..engine.stats import SummaryRow, cpu_count, summarize
from ..workloads import burn_iterations, heavy_square, square
from ._cluster_choice import cluster_note, executor_param, map_kind
from ._summary_cells import SCALING_COLUMNS, SPREAD_COLUMNS, fixed, scaling_cells, spread_cells
from .base import Param, ParamUse, Preset, Scenario
from .registry import register

if TYPE_CHECKING:
    from ..engine.context import RunContext


def time_pool_sizes(ctx: RunContext) -> None:
    """``Pool(size).map`` over 1..n at each pool size, each repeat after a serial baseline."""
    numbers = list(range(1, ctx.params["n"] + 1))
    series, func = _workload(ctx.params)
    # Serial heavy tasks go one per chunk: cancel is checked between chunks.
    serial_chunks = 1 if series == "cpu" else None
    kind = map_kind(ctx, "pool")
    for repeat in range(ctx.repeats):
        ctx.measure(series, "serial", 1, func, numbers, repeat=repeat, chunksize=serial_chunks)
        for size in ctx.pool_sizes:
            outcome = ctx.measure(series, kind, size, func, numbers, repeat=repeat)
            startup = ctx.report.runs[-1].measurement.startup_s
            ctx.print(
                f"Pool size: {size} -> Results: {_short(outcome.results)}, "
                f"Time taken: {outcome.wall_s:.6f} seconds (repeat {repeat + 1}"
                + (f"; starting the pool took {startup:.3f} s more)" if startup else ")")
            )
    rows = summarize(entry.measurement for entry in ctx.report.runs)
    _set_table(ctx, rows)
    pool_rows = sorted((r for r in rows if r.backend == kind), key=lambda r: r.pool_size)
    serial = next((r for r in rows if r.backend == "serial"), None)
    if not pool_rows or serial is None:
        ctx.note("Not every measurement completed, so there is nothing to compare.")
        return
    for text in _overhead_notes(ctx, series, serial, pool_rows) + _scaling_notes(pool_rows):
        ctx.note(text)
    where = cluster_note(kind)
    if where:
        ctx.note(where)
    if series == "square":
        ctx.note("Set workload=cpu to give every task real work and see the other lesson.")


def _workload(params: dict[str, Any]) -> tuple[str, Callable[[int], int]]:
    """The series name and the task: the lesson's square, or square behind a CPU burn."""
    if params["workload"] == "cpu":
        return "cpu", partial(heavy_square, iterations=burn_iterations(params["cpu_ms"]))
    return "square", square


TABLE_COLUMNS = (
    "backend",
    "pool size",
    "median (s)",
    "min (s)",
    "max (s)",
    *SPREAD_COLUMNS,
    "startup (s)",
    *SCALING_COLUMNS,
)


def _set_table(ctx: RunContext, rows: list[SummaryRow]) -> None:
    """One row per pool size (the serial baseline first), over the repeats."""
    ordered = sorted(rows, key=lambda r: (r.backend != "serial", r.pool_size))
    ctx.set_table(TABLE_COLUMNS, [_table_row(row) for row in ordered])


def _table_row(row: SummaryRow) -> list[Any]:
    return [
        row.backend,
        row.pool_size,
        fixed(row.median_s, 6),
        fixed(row.min_s, 6),
        fixed(row.max_s, 6),
        *spread_cells(row),
        fixed(row.startup_s, 4),
        *scaling_cells(row),
    ]


def _compute_share(ctx: RunContext, pool_rows: list[SummaryRow]) -> tuple[float, float]:
    """(seconds the tasks themselves ran, median wall time) at the smallest pool size."""
    size = pool_rows[0].pool_size
    busy = [
        sum(s.duration for s in e.spans)
        for e in ctx.report.runs
        if e.measurement.backend == pool_rows[0].backend
        and e.measurement.pool_size == size
        and e.measurement.state == "completed"
    ]
    busy.sort()
    return busy[len(busy) // 2], pool_rows[0].median_s


def _overhead_notes(
    ctx: RunContext, series: str, serial: SummaryRow, pool_rows: list[SummaryRow]
) -> list[str]:
    """Where the time went: the tasks' own work, or sending them to workers and back."""
    busy, wall = _compute_share(ctx, pool_rows)
    size = pool_rows[0].pool_size
    share = busy / (wall * size) if wall > 0 else 0.0
    notes = []
    if share < 0.5:
        notes.append(
            f"Overhead dominates: at pool size {size} the tasks themselves ran for "
            f"{busy * 1e3:.3f} ms in all, yet the map took {wall * 1e3:.3f} ms (median); the "
            f"workers were busy with your function only {share:.1%} of the time. The rest is "
            f"pickling, queues and waking processes. The serial loop took "
            f"{serial.median_s * 1e3:.3f} ms."
        )
    else:
        notes.append(
            f"The work dominates: at pool size {size} the workers spent {share:.0%} of the map "
            f"running your function ({busy:.3f} s of work in {wall:.3f} s), so the overhead of "
            "sending tasks is small beside it."
        )
    return notes + _hop_notes(ctx, pool_rows[0]) + _noise_notes(series, serial, pool_rows)


def _hop_notes(ctx: RunContext, first: SummaryRow) -> list[str]:
    """The same question answered per hop (engine/hops.py): what each chunk's trip took."""
    rows = [
        row
        for row in hop_rows(entry.measurement for entry in ctx.report.runs)
        if row.backend == first.backend and row.pool_size == first.pool_size
    ]
    if not rows:
        return []  # a kind without hops (dask)
    row = rows[0]
    low, high = row.share_range["running"]
    others = ", ".join(
        f"{PART_LABELS[part]} {row.shares[part]:.0%}" for part in PARTS if part != "running"
    )
    return [
        f"Per hop at pool size {row.pool_size} ({row.repeats} repeats): of the chunks' time "
        f"from submit to result received, running the tasks took {row.shares['running']:.0%} "
        f"({low:.0%}–{high:.0%}); {others}. {row.args_bytes:.0f} bytes went out and "
        f"{row.result_bytes:.0f} came back (medians); starting the pool took "
        f"{row.startup_s * 1e3:.1f} ms before any of it."
    ]


def _noise_notes(series: str, serial: SummaryRow, pool_rows: list[SummaryRow]) -> list[str]:
    """Whether the differences between pool sizes are larger than the repeats' own spread."""
    notes: list[str] = []
    medians = [r.median_s for r in pool_rows]
    spread = max(r.max_s - r.min_s for r in [serial, *pool_rows])
    gap = max(medians) - min(medians)
    listed = ", ".join(f"{r.pool_size}: {r.median_s * 1e3:.3f} ms" for r in pool_rows)
    if len(pool_rows) > 1 and gap <= spread:
        notes.append(
            f"The medians by pool size ({listed}) differ by {gap * 1e3:.3f} ms, no more than the "
            f"repeats of a single size disagree ({spread * 1e3:.3f} ms): the differences between "
            "sizes are noise"
            + (
                ", like the source's 0.004 s, 0.011 s and 0.005 s for ten squares."
                if series == "square"
                else "."
            )
        )
    elif len(pool_rows) > 1 and medians != sorted(medians, reverse=True):
        notes.append(
            f"The medians by pool size ({listed}) do not fall as the pool grows: "
            "past some size, more workers did not make the map faster."
        )
    return notes


def _scaling_notes(pool_rows: list[SummaryRow]) -> list[str]:
    """How close the best speedup came to the number of cores, and what sizes past it did."""
    cores = cpu_count()
    measured = [r for r in pool_rows if r.speedup is not None]
    if not measured:
        return []
    best = max(measured, key=lambda r: r.speedup or 0.0)
    speedup = best.speedup or 0.0
    text = (
        f"Best speedup: {speedup:.2f}× at pool size {best.pool_size}, against "
        f"os.cpu_count() = {cores}, the most that processes on this machine can give."
    )
    if speedup >= 0.75 * min(best.pool_size, cores):
        text += " It comes close: heavy tasks keep every core busy."
    elif speedup < 1:
        text += " The pool was slower than the plain loop: the tasks are too small to share."
    else:
        text += " It falls short of the cores: overhead or other programs took a share."
    notes = [text]
    beyond = [r for r in measured if r.pool_size > cores]
    if beyond and speedup >= 1:
        notes.append(
            "Pool sizes above the core count ("
            + ", ".join(f"{r.pool_size}: {r.speedup:.2f}×" for r in beyond)
            + ") cannot beat it: the extra workers only take turns on the same cores."
        )
    return notes


def _short(values: list[Any]) -> str:
    if len(values) <= 12:
        return str(values)
    return f"[{', '.join(map(str, values[:10]))}, … ({len(values)} items)]"


SCENARIO = register(
    Scenario(
        id="pool-timing",
        title="Timing Pool.map at different pool sizes",
        lesson="Measuring a process pool",
        summary=(
            "Pool.map squares 1..n with pools of several sizes, several times each, next to a "
            "plain loop as the baseline; starting the pool is timed apart from the map. With "
            "ten squares the timings are a few milliseconds of overhead and noise; with a "
            "heavier workload the speedup climbs towards the number of cores and stops there."
        ),
        when_to_use=(
            "Measure before choosing a pool size: repeat each timing, compare against a serial "
            "baseline, and keep start-up apart. A pool pays off only when each task does far "
            "more work than sending it costs, and more workers than cores add nothing for "
            "CPU-bound work."
        ),
        params=(
            Param("n", "Numbers (1..n)", "int", 10, "How many numbers to square.", 1, 100_000),
            Param(
                "workload",
                "Workload",
                "choice",
                "square",
                "square: the lesson's tiny task; cpu: the same square after a CPU burn.",
                choices=("square", "cpu"),
            ),
            Param(
                "cpu_ms",
                "Work per cpu task",
                "int",
                20,
                "About how long each task computes with workload=cpu (calibrated once).",
                1,
                2000,
                unit="ms",
            ),
            executor_param("pool"),
        ),
        run=time_pool_sizes,
        code_objects=(square, heavy_square, time_pool_sizes),
        extra_code="""
# The lesson in plain Python:
import multiprocessing
import time

def square(n):
    return n * n

def measure_time(pool_size, numbers):
    with multiprocessing.Pool(processes=pool_size) as pool:
        began = time.perf_counter()          # start-up is outside the timing
        results = pool.map(square, numbers)
        return results, time.perf_counter() - began

if __name__ == "__main__":
    for size in (2, 4, 8):
        results, elapsed = measure_time(size, range(1, 11))
        print(f"Pool size: {size} -> Results: {results}, Time taken: {elapsed:.6f} seconds")
""",
        pool_sizes=(2, 4, 8),
        repeats=3,
        sweeps=True,
        param_uses=(
            ParamUse(
                "cpu_ms",
                "workload",
                ("cpu",),
                "Only workload=cpu burns CPU per task; square is the lesson's tiny task.",
            ),
        ),
        presets=(
            Preset(
                "Heavy work: speedup near the core count",
                "Each task computes for 20 ms, so the pool's start-up and messages are small "
                "beside the work: the speedup climbs to about the number of cores, then stops.",
                (("n", 64), ("workload", "cpu"), ("cpu_ms", 20)),
                pool_sizes=(1, 2, 4, 8),
            ),
            Preset(
                "Tiny tasks: a pool costs more than it saves",
                "Squaring 10 numbers takes microseconds; starting workers and sending tasks "
                "takes milliseconds, so every pool is slower than the serial loop.",
                (("n", 10), ("workload", "square")),
                pool_sizes=(2, 4, 8),
            ),
        ),
        kinds=("serial", "pool", "dask"),
        order=8,
    )
)
