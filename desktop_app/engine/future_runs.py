"""A lesson's own futures: ``submit`` every job to a process pool, take each as it completes.

The lessons teach ``executor.submit(task)`` and then ``future.result()``. This runs exactly that
on the app's warm ``ProcessPoolExecutor`` and adds what the lab needs: the worker's own
traceback (the job is wrapped so its exception crosses as strings, even one that cannot be
pickled), the dead worker's pid and exit code instead of a bare ``BrokenProcessPool`` on every
future, and a timeout and a cancel that kill the workers instead of waiting on them.
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ._lesson_worker import TaskFailed, future_entry
from ._worker import describe_exception
from .cancel import RunCancelled
from .executors.base import POLL_S
from .lesson_runs import Job, JobOutcome
from .records import ErrorRecord, SpanTable, TaskSpan

ORIGIN = "future"


def run_futures(
    ctx: Any, series: str, jobs: list[Job], *, pool_size: int = 2, timeout: float | None = None
) -> list[JobOutcome]:
    """``submit`` every job, then gather the futures as they complete, as the lesson does.

    ``timeout`` defaults to the run's own. Raises :class:`RunCancelled` after killing the
    workers when the run is cancelled.
    """
    executor = ctx.pools.get("processes", pool_size)
    startup = executor.start()
    began = time.perf_counter()
    limit = timeout if timeout is not None else ctx.timeout
    gather = _Gather(ctx, executor, jobs, f"{series}: futures × {executor.pool_size}", limit)
    for index, job in enumerate(jobs):
        gather.pending[executor.submit(future_entry, index, job.func, job.args)] = index
    state = gather.run(began)
    ctx.record(
        series,
        "futures",
        executor.pool_size,
        0,
        gather.spans,
        [outcome.result for outcome in gather.outcomes],
        time.perf_counter() - began,
        startup,
        state,
    )
    if state == "cancelled":
        raise RunCancelled("run cancelled")
    return gather.outcomes


class _Gather:
    """The ``as_completed`` loop of one :func:`run_futures`, watching deaths, cancel, timeout."""

    def __init__(
        self, ctx: Any, executor: Any, jobs: list[Job], context: str, limit: float | None
    ) -> None:
        self.ctx = ctx
        self.executor = executor
        self.jobs = jobs
        self.context = context
        self.limit = limit
        self.pending: dict[Future, int] = {}
        self.spans = SpanTable()
        self.outcomes = [JobOutcome(job.name, 0, False) for job in jobs]

    def run(self, began: float) -> str:
        state = None
        while self.pending and state is None:
            done, _ = wait(self.pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
            for future in done:
                self._settle(future, self.pending.pop(future))
            state = self._check(began)
        for future in self.pending:
            future.cancel()
        return state or "completed"

    def _check(self, began: float) -> str | None:
        """A dead worker, a cancel or the timeout: stop the pool (killing it) and say which."""
        dead = self.executor._dead_workers()
        if dead:
            for record in dead:
                self._report(dataclasses.replace(record, origin=ORIGIN, context=self.context))
            self.executor._abort()
            return "failed"
        if self.ctx.cancel.cancelled:
            self.executor._abort()
            return "cancelled"
        if self.limit is not None and time.perf_counter() - began > self.limit:
            self._report(self._timeout_record())
            self.executor._abort()
            return "failed"
        return None

    def _settle(self, future: Future, index: int) -> None:
        job = self.jobs[index]
        try:
            pid, start, end, output, result = future.result()
        except TaskFailed as exc:
            name, message, text, pid, start, end, output = exc.args
            self._finished(index, pid, start, end, False, output)
            self._report(
                ErrorRecord(
                    ORIGIN,
                    name,
                    message,
                    text,
                    task=index,
                    worker=f"pid {pid} {job.name}",
                    pid=pid,
                    context=self.context,
                )
            )
            return
        except (BrokenProcessPool, CancelledError):
            return  # the death or the abort behind it is reported once, by _check
        except Exception as exc:  # it never reached a worker: the arguments did not pickle
            name, message, text = describe_exception(exc)
            self._report(
                ErrorRecord(
                    ORIGIN,
                    name,
                    f"job {job.name} could not be sent to a worker: {message}",
                    text,
                    task=index,
                    worker=job.name,
                    context=self.context,
                )
            )
            return
        self._finished(index, pid, start, end, True, output)
        self.outcomes[index] = JobOutcome(job.name, pid, True, result)

    def _finished(
        self, index: int, pid: int, start: float, end: float, ok: bool, output: str
    ) -> None:
        self.spans.append(TaskSpan(index, pid, self.jobs[index].name, start, end, ok))
        self.outcomes[index] = JobOutcome(self.jobs[index].name, pid, ok)
        if output:
            self.ctx.print(output.rstrip("\n"), f"pid {pid} {self.jobs[index].name}")

    def _timeout_record(self) -> ErrorRecord:
        running = self.executor._running()
        names = ", ".join(
            f"{self.jobs[task].name} (task {task}) on pid {pid}"
            for pid, task, _ in running
            if 0 <= task < len(self.jobs)
        )
        return ErrorRecord(
            origin=ORIGIN,
            type="TimeoutError",
            message=(
                f"futures did not finish within {self.limit:g} s (still running: {names or 'none'})"
            ),
            traceback="",
            task=running[0][1] if running else None,
            worker=f"pid {running[0][0]}" if running else "",
            pid=running[0][0] if running else None,
            context=self.context,
        )

    def _report(self, record: ErrorRecord) -> None:
        self.ctx.report_error(record)
