"""Running a lesson's own ``Thread`` and ``Process`` objects, measured and guarded.

Lessons such as start/join or producer/consumer are about the objects themselves, not pools,
so these helpers start real ``threading.Thread`` and ``Process`` objects, exactly as the lesson
code does, and add what the lab needs: captured output, a span per worker, error records with
the worker's own traceback, a dead child's exit code, and cancel and timeout that kill.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

from ._lesson_worker import process_entry, run_captured
from ._worker import describe_exception
from .cancel import RunCancelled
from .executors.processes import exit_description, kill_and_reap
from .lock_events import LockRecorder, summary_lines
from .records import ErrorRecord, SpanTable, TaskSpan
from .start_method import get_context


@dataclass(frozen=True)
class Job:
    """A function to run in its own thread or process, under a name the user sees."""

    name: str
    func: Callable[..., Any]
    args: tuple = ()


@dataclass
class JobOutcome:
    name: str
    pid: int
    ok: bool
    result: Any = None
    exitcode: int | None = None


DEFAULT_PROCESS_TIMEOUT_S = 30.0  # when neither the caller nor the run gives one


def run_processes(
    ctx: Any, series: str, jobs: list[Job], *, timeout: float | None = None
) -> list[JobOutcome]:
    """``start()`` every job's ``Process``, then ``join()`` them all, as the lesson does.

    ``timeout`` defaults to the run's own. A job whose ``Process`` cannot start (its arguments
    do not pickle) becomes an error record; the others still run. Raises
    :class:`RunCancelled` after killing the children when the run is cancelled.
    """
    if timeout is None:
        timeout = ctx.timeout if ctx.timeout is not None else DEFAULT_PROCESS_TIMEOUT_S
    mp = get_context()
    began = time.perf_counter()
    started = []
    try:
        for index, job in enumerate(jobs):
            launched = _launch(ctx, mp, index, job)
            if launched is not None:
                started.append(launched)
        reports, killed = _gather(ctx, started, timeout)
    except BaseException:  # cancel, or a bug: never leave a lesson's child running
        kill_and_reap([process for _, _, process, _ in started])
        raise
    finally:
        for *_, reader in started:
            reader.close()
    spans = SpanTable()
    processes = {index: process for index, _, process, _ in started}
    outcomes = []
    for index, job in enumerate(jobs):
        process = processes.get(index)
        if process is None:  # it never started: reported by _launch
            outcomes.append(JobOutcome(job.name, 0, False))
            continue
        outcomes.append(
            _outcome(ctx, index, job, process, reports.get(index), spans, process in killed)
        )
    state = "completed" if all(o.exitcode == 0 for o in outcomes) else "failed"
    ctx.record(
        series,
        "process",
        len(jobs),
        0,
        spans,
        [o.result for o in outcomes],
        time.perf_counter() - began,
        0.0,
        state,
    )
    return outcomes


def _launch(ctx: Any, mp: Any, index: int, job: Job) -> tuple | None:
    """Start one job's ``Process`` with a pipe back; None (and a record) if it cannot start."""
    reader, writer = mp.Pipe(duplex=False)
    process = mp.Process(target=process_entry, args=(writer, job.func, job.args), name=job.name)
    try:
        process.start()
    except Exception as exc:  # forkserver pickles the Process: its arguments must pickle too
        reader.close()
        name, message, text = describe_exception(exc)
        ctx.report_error(
            ErrorRecord(
                origin="process",
                type=name,
                message=f"process {job.name} could not be started: {message}",
                traceback=text,
                task=index,
                worker=job.name,
                context=ctx.scenario,
            )
        )
        return None
    finally:
        writer.close()
    return index, job, process, reader


def _gather(ctx: Any, started: list, timeout: float) -> tuple[dict[int, tuple], set]:
    """Read each child's report and wait for it to exit; kill all on cancel or timeout.

    Returns the reports by job index, and the processes this killed at the timeout (their
    deaths are the timeout's doing, reported once by its record, not as crashes).
    """
    reports: dict[int, tuple] = {}
    readers = {reader: index for index, _, _, reader in started}
    by_sentinel = {process.sentinel: entry for entry in started for process in entry[2:3]}
    processes = [process for _, _, process, _ in started]
    deadline = time.perf_counter() + timeout
    waiting = set(readers) | set(by_sentinel)
    killed: set = set()
    while waiting:
        for ready in wait(list(waiting), timeout=0.05):
            waiting.discard(ready)
            if ready in readers:
                _read_report(ready, readers[ready], reports)
            else:  # a child exited: a death is reported now, not when the others finish
                index, job, process, reader = by_sentinel[ready]
                if index not in reports and reader in waiting:
                    waiting.discard(reader)
                    _read_report(reader, index, reports)
                if index not in reports:
                    process.join(1.0)
                    ctx.report_error(_death_record(ctx, index, job, process))
        if ctx.cancel.cancelled:
            kill_and_reap(processes)
            raise RunCancelled("run cancelled")
        if time.perf_counter() > deadline:
            killed = {p for p in processes if p.sentinel in waiting}
            kill_and_reap(processes)
            ctx.report_error(_timeout_record(ctx, started, killed, timeout))
            break
    for process in processes:
        process.join(1.0)
    return reports, killed


def _read_report(reader: Any, index: int, reports: dict[int, tuple]) -> None:
    """The child's report, if it sent one before it ended."""
    try:
        if reader.poll():
            reports[index] = reader.recv()
    except (EOFError, OSError):
        pass  # the child died before reporting: its exit code tells why


def _death_record(ctx: Any, index: int, job: Job, process: Any) -> ErrorRecord:
    code = process.exitcode
    return ErrorRecord(
        origin="process",
        type="WorkerDied",
        message=f"process {job.name} (pid {process.pid}) died ({exit_description(code)})",
        traceback="",
        task=index,
        worker=f"pid {process.pid} {job.name}",
        pid=process.pid,
        exitcode=code,
        context=ctx.scenario,
    )


def _timeout_record(ctx: Any, started: list, killed: set, timeout: float) -> ErrorRecord:
    running = [(index, job, process) for index, job, process, _ in started if process in killed]
    names = ", ".join(f"{job.name} (pid {process.pid})" for _, job, process in running)
    first = running[0] if running else None
    return ErrorRecord(
        origin="process",
        type="TimeoutError",
        message=f"processes did not finish within {timeout:g} s and were killed: {names or 'none'}",
        traceback="",
        task=first[0] if first else None,
        worker=f"pid {first[2].pid} {first[1].name}" if first else "",
        pid=first[2].pid if first else None,
        context=ctx.scenario,
    )


def _outcome(
    ctx: Any,
    index: int,
    job: Job,
    process: Any,
    report: tuple | None,
    spans: SpanTable,
    killed: bool,
) -> JobOutcome:
    worker = f"pid {process.pid} {job.name}"
    if report is None:  # died (reported by _gather as it happened) or killed by a timeout
        return JobOutcome(job.name, process.pid, False, exitcode=process.exitcode)
    pid, start, end, ok, output, error, result = report
    spans.append(TaskSpan(index, pid, job.name, start, end, ok))
    if output:
        ctx.print(output.rstrip("\n"), f"pid {pid} {job.name}")
    if error is not None:
        name, message, text = error
        ctx.report_error(
            ErrorRecord(
                origin="process",
                type=name,
                message=message,
                traceback=text,
                task=index,
                worker=worker,
                pid=pid,
                exitcode=process.exitcode,
                context=ctx.scenario,
            )
        )
    return JobOutcome(job.name, pid, ok, result, process.exitcode)


def run_threads(
    ctx: Any,
    series: str,
    jobs: list[Job],
    *,
    report_errors: bool = True,
    recorder: LockRecorder | None = None,
) -> list[JobOutcome]:
    """``start()`` every job's ``Thread``, then ``join()`` them; spans, output, errors recorded
    (and what ``recorder``'s traced locks and counters saw).

    A job's exception is caught in its own thread (where the traceback lives) and reported
    with origin ``thread``. Threads cannot be killed: jobs should check ``ctx.cancel``.
    """
    began = time.perf_counter()
    spans = SpanTable()
    outcomes: list[JobOutcome | None] = [None] * len(jobs)
    lock = threading.Lock()

    def body(index: int, job: Job) -> None:
        start, end, output, result, error = run_captured(job.func, job.args)
        thread = threading.current_thread()
        with lock:
            spans.append(TaskSpan(index, _pid(), thread.name, start, end, error is None))
        if output:
            ctx.print(output.rstrip("\n"), thread.name)
        if error is not None and report_errors and not isinstance(error, RunCancelled):
            ctx.report_exception(error, "thread", task=index, worker=thread.name)
        outcomes[index] = JobOutcome(job.name, _pid(), error is None, result)

    threads = [
        threading.Thread(target=body, args=(i, job), name=job.name, daemon=True)
        for i, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.05)
    done = [
        o if o is not None else JobOutcome(job.name, _pid(), False)
        for o, job in zip(outcomes, jobs, strict=True)
    ]
    log = recorder.log() if recorder is not None else None
    ctx.record(
        series,
        "threads",
        len(jobs),
        0,
        spans,
        [o.result for o in done],
        time.perf_counter() - began,
        locks=log,
    )
    for line in summary_lines(log) if log is not None else ():
        ctx.note(f"{series}: {line}")
    ctx.check_cancel()
    return done


def _pid() -> int:
    import os

    return os.getpid()
