"""Lesson 3: two Process objects, started then joined; their prints come back from the children."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine.lesson_runs import Job, run_processes
from ..workloads import print_cube, print_square
from .base import Param, Preset, Scenario
from .registry import register

if TYPE_CHECKING:
    from ..engine.context import RunContext
    from ..engine.records import TaskSpan


def start_and_join(ctx: RunContext) -> None:
    """``Process(target=print_square)`` and ``Process(target=print_cube)``: start, join, report."""
    number = ctx.params["number"]
    hold_s = ctx.params["hold_ms"] / 1000.0
    ctx.check_cancel()
    jobs = [
        Job("square", print_square, (number, hold_s)),
        Job("cube", print_cube, (number, hold_s)),
    ]
    outcomes = run_processes(ctx, "start-join", jobs)
    spans = {span.task: span for span in ctx.report.runs[-1].spans}
    rows = []
    for index, outcome in enumerate(outcomes):
        span = spans.get(index)
        rows.append(
            [
                outcome.name,
                outcome.pid,
                outcome.result,
                outcome.exitcode,
                None if span is None else round((span.start - ctx.origin) * 1000, 3),
                None if span is None else round((span.end - ctx.origin) * 1000, 3),
            ]
        )
    ctx.set_table(["process", "pid", "result", "exit code", "started (ms)", "ended (ms)"], rows)
    if all(outcome.exitcode == 0 for outcome in outcomes):
        ctx.print("Both processes are complete.")
    else:
        ctx.print("Both processes were joined; not every one ended cleanly (see the errors).")
    if len(spans) == 2:
        ctx.note(_overlap_note(spans[0], spans[1]))
    ctx.note(
        'join() made the parent wait for each child in turn, so "Both processes are '
        'complete." came only after both had ended. Each child printed from its own pid '
        "into its own stdout, which the lab captured and sent back to the parent."
    )


def _overlap_note(first: TaskSpan, second: TaskSpan) -> str:
    """Whether the two children's work overlapped in time, from their spans."""
    overlap = min(first.end, second.end) - max(first.start, second.start)
    if overlap > 0:
        return (
            f"The two processes ran at the same time for {overlap * 1000:.3f} ms: each has "
            "its own interpreter, so neither waited for the other."
        )
    early, late = sorted((first, second), key=lambda span: span.start)
    order = "in the order they were started" if early is first else "the reverse of start order"
    return (
        f"The two processes' work did not overlap: {early.thread} finished "
        f"{-overlap * 1000:.3f} ms before {late.thread} began ({order}). Printing a number "
        f"takes microseconds ({first.duration * 1e6:.0f} µs and {second.duration * 1e6:.0f} "
        "µs here) while starting a process takes milliseconds, so one child is done before "
        "the other is even running. Raise hold_ms to see them run side by side."
    )


SCENARIO = register(
    Scenario(
        id="process-start-join",
        title="Processes: start() and join()",
        lesson="Multiprocessing basics",
        summary=(
            "Two Process objects run two small functions: one prints the square of a number, "
            "the other its cube. The parent starts both, then joins both, and only then says "
            "that both are complete. Each child's output is captured in the child and shown "
            "with its process id and the moments it started and ended."
        ),
        when_to_use=(
            "A Process of your own suits a few long-lived, different jobs that should not "
            "share the parent's GIL or memory. start() returns at once; join() is how the "
            "parent waits. For many small calls of one function a pool is simpler and "
            "cheaper, because it starts its processes once."
        ),
        params=(
            Param(
                "number",
                "Number",
                "int",
                10,
                "The number both children work on.",
                -1_000_000,
                1_000_000,
            ),
            Param(
                "hold_ms",
                "Hold before printing",
                "int",
                0,
                "How long each child waits before printing, to make the two overlap.",
                0,
                10_000,
                unit="ms",
            ),
        ),
        run=start_and_join,
        code_objects=(print_square, print_cube, start_and_join),
        extra_code="""
# The lesson in plain Python:
from multiprocessing import Process

def print_square(number):
    print(f"Square: {number * number}")

def print_cube(number):
    print(f"Cube: {number * number * number}")

if __name__ == "__main__":
    process1 = Process(target=print_square, args=(10,))
    process2 = Process(target=print_cube, args=(10,))
    process1.start()
    process2.start()
    process1.join()
    process2.join()
    print("Both processes are complete.")
""",
        pool_sizes=(2,),
        fixed_pool="This lesson always starts exactly two processes: one squares, one cubes.",
        views=("timeline", "cpu"),
        presets=(
            Preset(
                "Make them overlap",
                "Each child waits 300 ms before printing: both run at the same time, and "
                "join() waits for the slower one.",
                (("hold_ms", 300),),
            ),
        ),
        kinds=("processes",),
        order=3,
    )
)
