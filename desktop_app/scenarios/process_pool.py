"""Lesson 2: a process pool — a fixed set of workers, reused, with tasks queued behind them."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ..engine.records import SpanTable, worker_label
from ..workloads import square
from ._cluster_choice import cluster_note, executor_param, map_kind
from .base import Param, Preset, Scenario
from .registry import register

if TYPE_CHECKING:
    from ..engine.context import RunContext


def pool_map_squares(ctx: RunContext) -> None:
    """``Pool(size).map(square, 1..n)``: which worker ran which task, and who waited."""
    numbers = list(range(1, ctx.params["n"] + 1))
    size = ctx.pool_sizes[0]
    kind = map_kind(ctx, "pool")
    outcome = ctx.measure("square", kind, size, square, numbers, chunksize=ctx.params["chunksize"])
    ctx.print(f"Pool({size}).map(square, {_short(numbers)}) -> {_short(outcome.results)}")
    rows = _task_rows(outcome.spans, numbers, outcome.results, ctx.origin)
    by_worker = Counter(row[3] for row in rows)
    ctx.set_table(["#", "x", "square(x)", "worker", "started (ms)"], rows)
    workers = len(by_worker)
    ctx.note(
        f"{len(numbers)} tasks ran on {workers} worker process(es) of a pool of {size}: "
        + ", ".join(f"{w} ran {c}" for w, c in sorted(by_worker.items()))
    )
    if len(numbers) > size:
        ctx.note(
            f"With more tasks ({len(numbers)}) than workers ({size}), tasks queue and "
            "each worker is reused for several of them instead of starting a new process."
        )
    elif workers < size:
        ctx.note("Some workers got no task: tiny tasks finish before the others even ask for work.")
    where = cluster_note(kind)
    if where:
        ctx.note(where)


def _task_rows(spans: SpanTable, numbers: list, results: list, origin: float) -> list[list]:
    """One row per task in input order, read column-wise (n may be 100,000)."""
    labels: dict[tuple[int, int], str] = {}
    rows = []
    for task, pid, thread, start in zip(
        spans.task, spans.pid, spans.thread_index, spans.start, strict=True
    ):
        label = labels.get((pid, thread))
        if label is None:
            label = labels[(pid, thread)] = worker_label(pid, spans.threads[thread])
        rows.append(
            [task + 1, numbers[task], results[task], label, round((start - origin) * 1000, 3)]
        )
    rows.sort(key=lambda row: row[0])
    return rows


def _short(values: list) -> str:
    return (
        str(values)
        if len(values) <= 12
        else f"[{', '.join(map(str, values[:10]))}, … ({len(values)} items)]"
    )


SCENARIO = register(
    Scenario(
        id="process-pool",
        title="Process pool: Pool.map",
        lesson="Process pools",
        summary=(
            "A pool starts a fixed number of worker processes once and hands them tasks from a "
            "queue. Pool.map splits the input into chunks, each worker takes the next chunk when "
            "it is free, and results come back in input order. The timeline shows which worker "
            "ran which task and how tasks queue when they outnumber the workers."
        ),
        when_to_use=(
            "Many independent, CPU-heavy calls of one function: the pool pays process start-up "
            "once and spreads the work over every core. For a handful of tiny tasks the "
            "start-up and the pickling cost more than the work."
        ),
        params=(
            Param("n", "Numbers (1..n)", "int", 5, "How many numbers to square.", 1, 100_000),
            Param(
                "chunksize",
                "Chunk size",
                "int",
                1,
                "Tasks sent to a worker at a time (Pool.map's chunksize).",
                1,
                10_000,
            ),
            executor_param("pool"),
        ),
        run=pool_map_squares,
        code_objects=(square, pool_map_squares),
        extra_code="""
# The lesson in plain Python:
from multiprocessing import Pool

def square(x):
    return x * x

if __name__ == "__main__":
    with Pool(4) as pool:
        print(pool.map(square, [1, 2, 3, 4, 5]))   # [1, 4, 9, 16, 25]
""",
        pool_sizes=(4,),
        presets=(
            Preset(
                "Many tiny tasks, one at a time",
                "20,000 squares sent one per message: the messages cost far more than the "
                "squaring. Compare with the next preset.",
                (("n", 20_000), ("chunksize", 1)),
            ),
            Preset(
                "Many tiny tasks, in chunks of 500",
                "The same 20,000 squares in chunks: a few messages instead of 20,000, and the "
                "run is many times shorter.",
                (("n", 20_000), ("chunksize", 500)),
            ),
        ),
        kinds=("pool", "dask"),
        order=2,
    )
)
