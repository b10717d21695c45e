"""Lesson 6: where an exception in a worker goes — thread, process, future, pool — and faults.

Each part raises for real in its own kind of worker and shows how the exception gets back to
the code that started the worker. The ``fault`` parameter then breaks a pool worker in a way
a plain ``multiprocessing.Pool`` cannot survive (it hangs), to show the lab's guard catch it.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any

from ..engine.lesson_runs import Job, run_processes, run_threads
from ..engine.records import ErrorRecord
from ..workloads import (
    exit_worker,
    hang,
    kill_worker,
    raise_in_task,
    raise_unpicklable,
    square_fails_at_five,
)
from .base import Param, ParamUse, Preset, Scenario
from .registry import register

if TYPE_CHECKING:
    from ..engine.context import RunContext

WAIT_S = 10.0  # a part that takes longer than this has failed; nothing waits forever
FAULTS = {"unpicklable": raise_unpicklable, "exit": exit_worker, "kill": kill_worker, "hang": hang}


def thread_catches_its_own(ctx: RunContext) -> None:
    """The thread's own try/except: the only place its exception can be caught directly."""
    try:
        raise ValueError("An error occurred in the thread")
    except Exception as exc:
        ctx.print(f"Exception in thread: {exc}")
        ctx.report_exception(exc, "thread", worker=threading.current_thread().name)


def caught_in_thread(ctx: RunContext) -> None:
    run_threads(
        ctx,
        "thread (caught in the thread)",
        [Job("catching-thread", thread_catches_its_own, (ctx,))],
    )


def thread_lets_it_escape() -> None:
    """Nobody catches this: Python hands it to threading.excepthook, then the thread ends."""
    raise RuntimeError("An uncaught error in a thread")


def uncaught_in_thread(ctx: RunContext) -> None:
    """Run one thread under a temporary ``threading.excepthook`` that reports its exception."""
    previous = threading.excepthook
    thread = threading.Thread(target=thread_lets_it_escape, name="uncaught-thread", daemon=True)

    def hook(args: Any) -> None:
        if args.thread is not thread:
            previous(args)  # some other thread's exception: not ours to take
            return
        ctx.print(f"threading.excepthook got {args.exc_type.__name__}: {args.exc_value}")
        ctx.report_exception(args.exc_value, "thread", worker=thread.name)

    threading.excepthook = hook
    try:
        thread.start()
        thread.join(WAIT_S)
    finally:
        threading.excepthook = previous


def in_a_process(ctx: RunContext) -> None:
    """A child ``Process`` raises; its wrapper sends the formatted traceback back on a pipe."""
    before = len(ctx.report.errors)
    run_processes(
        ctx,
        "Process",
        [Job("failing-process", raise_in_task, ("Error in process",))],
        timeout=WAIT_S * 3,
    )
    for record in ctx.report.errors[before:]:
        ctx.print(f"Exception in process: {record.message}")


def failing_task() -> None:
    raise ValueError("Error in concurrent task")


def in_a_future(ctx: RunContext) -> None:
    """``concurrent.futures``: the future keeps the exception; ``result()`` raises it again."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="future-worker") as executor:
        futures = [executor.submit(failing_task)]
        for future in as_completed(futures, timeout=WAIT_S):
            error = future.exception()  # read first: it still holds only the worker's frames
            if error is not None:
                ctx.report_exception(error, "future", worker="ThreadPoolExecutor worker")
            try:
                future.result()
            except Exception as exc:
                ctx.print(f"Exception caught from task: {exc}")


def in_pool_map(ctx: RunContext) -> None:
    """``Pool.map`` over 0..9 where 5 raises: the other nine results are still kept here."""
    size = ctx.pool_sizes[0]
    outcome = ctx.measure("Pool.map", "pool", size, square_fails_at_five, list(range(10)))
    for record in outcome.errors:
        ctx.print(f"Exception during pool execution: {record.message}")
    shown = [
        "failed" if value is None and not ok else value
        for value, ok in zip(outcome.results, _ok_by_task(outcome), strict=True)
    ]
    ctx.print(f"Results of the tasks that did not fail: {shown}")


def _ok_by_task(outcome: Any) -> list[bool]:
    ok = [True] * len(outcome.results)
    for span in outcome.spans:
        ok[span.task] = span.ok
    return ok


def inject_fault(ctx: RunContext, fault: str) -> None:
    """One task that breaks its pool worker: a clear error record, never a hang."""
    timeout = ctx.params["timeout"]
    outcome = ctx.measure(
        f"fault: {fault}", "pool", ctx.pool_sizes[0], FAULTS[fault], [0], timeout=timeout
    )
    for record in outcome.errors:
        ctx.print(f"Fault {fault!r}: {record.type}: {record.message}")
    ctx.note(
        f"Fault {fault!r}: the run is {outcome.state}; " + _FAULT_NOTES[fault].format(t=timeout)
    )


_FAULT_NOTES = {
    "unpicklable": "the exception could not be pickled back to the parent, so the worker sent "
    "its type, message and traceback as strings instead (a plain Pool hangs on "
    "an exception that pickles but cannot be unpickled).",
    "exit": "the worker called os._exit, so no exception ever left it. A plain Pool quietly "
    "replaces the worker and waits forever for the lost task; here its sentinel was "
    "watched and the death reported with its exit code.",
    "kill": "the worker was SIGKILLed, as the out-of-memory killer would. A plain Pool waits "
    "forever; here the death is reported with the signal and the pool rebuilt.",
    "hang": "the task never returned, so the pool was stopped after {t:g} s. Only a timeout "
    "(or a cancel) ends a hang; Pool.map itself has no timeout.",
}


def exceptions_lesson(ctx: RunContext) -> None:
    """Each kind of worker raises once; then the chosen fault, if any."""
    try:
        for part in (caught_in_thread, uncaught_in_thread, in_a_process, in_a_future, in_pool_map):
            ctx.check_cancel()
            part(ctx)
        if ctx.params["fault"] != "none":
            ctx.check_cancel()
            inject_fault(ctx, ctx.params["fault"])
    finally:
        ctx.set_table(
            ["origin", "type", "message", "task", "worker", "raised in"],
            [_row(record) for record in list(ctx.report.errors)],
        )
    origins = sorted({record.origin for record in ctx.report.errors})
    ctx.note(
        f"{len(ctx.report.errors)} error record(s), origins: {', '.join(origins)}. Every "
        "traceback is the worker's own: its frames, files and lines, carried back as text."
    )


_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')


def _row(record: ErrorRecord) -> list[Any]:
    frames = _FRAME.findall(record.traceback)
    if frames:
        path, line, name = frames[-1]
        where = f"{name} ({path.rsplit('/', 1)[-1]}:{line})"
    else:
        where = (
            "(no traceback: the worker died)" if record.exitcode is not None else "(no traceback)"
        )
    return [record.origin, record.type, record.message, record.task, record.worker, where]


SCENARIO = register(
    Scenario(
        id="exceptions",
        title="Exceptions in threads, processes, futures and pools",
        lesson="Handling exceptions in concurrent programs",
        summary=(
            "An exception in a worker does not travel to the code that started it by itself. "
            "A thread's exception dies with the thread unless the thread catches it or "
            "threading.excepthook reports it. A process's exception has to be caught in the "
            "child and sent back, traceback and all, as text. A future stores the exception "
            "and raises it again from result(); Pool.map raises the first task's exception "
            "and drops every other result. Here each one is raised for real and reported with "
            "where it came from and the worker's own traceback."
        ),
        when_to_use=(
            "Always: every worker needs an owner for its failures. Catch inside the worker "
            "when it can recover, prefer futures (result() and exception() hand the error to "
            "you), install threading.excepthook as a last net, and give every wait a timeout "
            "so a dead or hung worker becomes an error instead of a program that never ends."
        ),
        params=(
            Param(
                "fault",
                "Fault to inject",
                "choice",
                "none",
                "Break a pool worker: an unpicklable exception, os._exit, SIGKILL, or a task "
                "that never returns.",
                choices=("none", "unpicklable", "exit", "kill", "hang"),
            ),
            Param(
                "timeout",
                "Fault timeout",
                "float",
                2.0,
                "How long the fault's pool may run before it is stopped (stops a hang).",
                0.2,
                120,
                unit="s",
            ),
        ),
        run=exceptions_lesson,
        code_objects=(
            thread_catches_its_own,
            thread_lets_it_escape,
            uncaught_in_thread,
            raise_in_task,
            failing_task,
            in_a_future,
            square_fails_at_five,
            in_pool_map,
        ),
        extra_code="""
# The lesson in plain Python:
from concurrent.futures import ThreadPoolExecutor, as_completed
from multiprocessing import Pool

def task():
    raise ValueError("Error in concurrent task")

def worker(x):
    if x == 5:
        raise ValueError("Deliberate exception")
    return x * x

if __name__ == "__main__":
    with ThreadPoolExecutor(max_workers=2) as executor:
        for future in as_completed([executor.submit(task)]):
            try:
                future.result()
            except Exception as e:
                print(f"Exception caught from task: {e}")

    with Pool(4) as pool:
        try:
            print(pool.map(worker, range(10)))
        except Exception as e:
            print(f"Exception during pool execution: {e}")
""",
        pool_sizes=(4,),
        views=("timeline", "cpu"),
        param_uses=(
            ParamUse(
                "timeout",
                "fault",
                ("unpicklable", "exit", "kill", "hang"),
                "The time limit applies only to a broken pool (fault other than none).",
            ),
        ),
        presets=(
            Preset(
                "A worker killed mid-task",
                "SIGKILL a pool worker: the pool reports it broken, the error console says "
                "which worker died, and the app carries on.",
                (("fault", "kill"),),
            ),
            Preset(
                "A task that never returns",
                "A hung task: the time limit stops the pool after 2 s and says so.",
                (("fault", "hang"), ("timeout", 2.0)),
            ),
        ),
        kinds=("threads", "processes", "pool"),
        order=6,
    )
)
