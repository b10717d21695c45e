"""The run context a scenario drives, and the entry that runs a scenario.

A scenario never touches executors, events or reports directly: it asks the context to
``measure`` a map, ``print`` a line, ``record`` what its own threads or processes did, and the
context turns all of it into events (for the live view) and into the run report.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from ._worker import caught_record, describe_exception
from .cancel import CancelToken, RunCancelled
from .events import (
    Consumer,
    ErrorRaised,
    EventSink,
    LocksRecorded,
    MeasurementFinished,
    MeasurementStarted,
    OutputLine,
    Progress,
    RunFinished,
    RunStarted,
    TasksFinished,
)
from .executors import MapHooks, MapOutcome, PoolStartError
from .gil import OBSERVED as GIL_OBSERVED
from .gil import run_verdict
from .hops import HopBreakdown
from .lock_events import LockLog
from .outputs.report import RunEntry, RunReport
from .pools import PoolManager
from .records import ErrorRecord, Measurement, SpanTable, measurement_label
from .stats import summarize

# Lines of output kept per run; beyond it the report says how many were dropped.
OUTPUT_LINE_LIMIT = 10_000


class RunContext:
    """Everything a scenario's ``run`` may use; safe to call from the scenario's own threads."""

    def __init__(
        self,
        scenario: str,
        params: dict[str, Any],
        pool_sizes: tuple[int, ...],
        repeats: int,
        pools: PoolManager,
        sink: EventSink,
        cancel: CancelToken,
        timeout: float | None,
    ) -> None:
        self.scenario = scenario
        self.params = params
        self.pool_sizes = pool_sizes
        self.repeats = repeats
        self.pools = pools
        self.cancel = cancel
        self.timeout = timeout
        self.origin = time.perf_counter()
        self._sink = sink
        self._lock = threading.Lock()
        self._dropped_lines = 0
        self._marked_failed = False
        self.report = RunReport(scenario, dict(params), pool_sizes, repeats, origin=self.origin)

    # --- timing maps on executors -------------------------------------------------------------

    def measure(
        self,
        series: str,
        backend: str,
        pool_size: int,
        func: Callable[[Any], Any],
        items: Sequence[Any],
        *,
        repeat: int = 0,
        chunksize: int | None = None,
        timeout: float | None = None,
        bound: str = "cpu",
    ) -> MapOutcome:
        """Start (or reuse) a pool, map ``func`` over ``items`` and record it all.

        ``bound`` says whether the tasks compute ("cpu") or wait ("io"): the ideal scaling differs.

        Raises :class:`RunCancelled` when the run was cancelled.
        """
        self.check_cancel()
        executor = self.pools.get(backend, pool_size)
        size = executor.pool_size
        label = measurement_label(series, backend, size, repeat)
        self._sink.emit(MeasurementStarted(series, backend, size, repeat, len(items), bound))
        startup = executor.start()

        def on_spans(table: SpanTable) -> None:
            self._sink.emit(TasksFinished(series, backend, size, repeat, table))

        def on_progress(done: int, total: int, running: tuple) -> None:
            self._sink.emit(Progress(done, total, running))

        hooks = MapHooks(on_spans, on_progress, self._print_block, context=label)
        outcome = executor.map(
            func,
            items,
            chunksize=chunksize,
            cancel=self.cancel,
            timeout=timeout if timeout is not None else self.timeout,
            hooks=hooks,
        )
        for record in outcome.errors:
            self.report_error(record)
        self.record(
            series,
            backend,
            size,
            repeat,
            outcome.spans,
            outcome.results,
            outcome.wall_s,
            startup,
            outcome.state,
            emit_spans=False,
            bound=bound,
            hops=outcome.hops,
        )
        if outcome.state == "cancelled":
            raise RunCancelled("run cancelled")
        return outcome

    def record(
        self,
        series: str,
        backend: str,
        pool_size: int,
        repeat: int,
        spans: SpanTable,
        results: list[Any],
        wall_s: float,
        startup_s: float = 0.0,
        state: str = "completed",
        *,
        emit_spans: bool = True,
        bound: str = "cpu",
        locks: LockLog | None = None,
        hops: HopBreakdown | None = None,
    ) -> Measurement:
        """Add one measured run (a lesson's own threads or processes, or a map); ``locks``:
        what its traced locks and counters recorded."""
        measurement = Measurement(
            series, backend, pool_size, repeat, wall_s, startup_s, state, len(spans), bound, hops
        )
        with self._lock:
            self.report.runs.append(RunEntry(measurement, spans, list(results), locks or None))
        if emit_spans and len(spans):
            handed_over = SpanTable()  # the sink may merge into it: never hand it our own
            handed_over.extend(spans)
            self._sink.emit(TasksFinished(series, backend, pool_size, repeat, handed_over))
        if locks:
            self._sink.emit(LocksRecorded(series, backend, pool_size, repeat, locks))
        self._sink.emit(MeasurementFinished(measurement))
        return measurement

    # --- output, errors, results --------------------------------------------------------------

    def print(self, text: str, source: str = "main") -> None:
        """One or more lines of output, shown in the output pane and kept in the report."""
        for line in str(text).splitlines() or [""]:
            with self._lock:
                if len(self.report.output) >= OUTPUT_LINE_LIMIT:
                    self._dropped_lines += 1
                    continue
                self.report.output.append(f"[{source}] {line}" if source != "main" else line)
            self._sink.emit(OutputLine(line, source))

    def _print_block(self, text: str, source: str) -> None:
        self.print(text.rstrip("\n"), source)

    def report_error(self, record: ErrorRecord) -> None:
        with self._lock:
            self.report.errors.append(record)
        self._sink.emit(ErrorRaised(record))

    def report_exception(
        self, exc: BaseException, origin: str, *, task: int | None = None, worker: str = ""
    ) -> ErrorRecord:
        """Turn an exception caught in this process into an error record and report it."""
        name, message, text = describe_exception(exc)
        record = ErrorRecord(
            origin=origin,
            type=name,
            message=message,
            traceback=text,
            task=task,
            worker=worker or f"pid {os.getpid()} {threading.current_thread().name}",
            pid=os.getpid(),
            context=self.scenario,
        )
        self.report_error(record)
        return record

    def set_table(self, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """The scenario's results table (factorials, squares, shared values…)."""
        self.report.table_columns = list(columns)
        # Tuples, not lists: rows of plain values then drop out of the garbage collector's
        # sight at its first pass, where 100,000 lists cost every full collection 40-60 ms.
        self.report.table_rows = [tuple(row) for row in rows]

    def note(self, text: str) -> None:
        """A conclusion the run drew from its own measurements."""
        self.report.notes.append(text)

    def progress(self, done: int, total: int) -> None:
        self._sink.emit(Progress(done, total, ()))

    def check_cancel(self) -> None:
        self.cancel.check()

    def sleep(self, seconds: float) -> None:
        """Wait, waking at once (with :class:`RunCancelled`) if the run is cancelled."""
        if self.cancel.wait(seconds):
            raise RunCancelled("run cancelled")

    def fail(self) -> None:
        """Mark the run failed without raising: a check the scenario made failed (a user's
        experiment whose results differ from serial's), its records already reported."""
        self._marked_failed = True

    @property
    def failed(self) -> bool:
        return self._marked_failed or any(
            entry.measurement.state == "failed" for entry in self.report.runs
        )


def run_scenario(
    scenario: Any,
    params: dict[str, Any],
    *,
    pool_sizes: Sequence[int] | None = None,
    repeats: int | None = None,
    pools: PoolManager | None = None,
    consumer: Consumer | None = None,
    cancel: CancelToken | None = None,
    timeout: float | None = None,
    scheduler: str | None = None,
) -> RunReport:
    """Run ``scenario`` to the end (completed, failed or cancelled) and return its report.

    Never raises for what happens inside the run: a bug in the scenario itself becomes an
    error record and a failed run. ``params`` must already be validated.
    """
    from .executors.dask_kind import set_scheduler

    set_scheduler(scheduler)  # the dask kind's cluster for this run (None: the environment's)
    own_pools = pools is None
    pools = pools or PoolManager()
    GIL_OBSERVED.clear()  # this run's workers report afresh (environment["gil"])
    sizes = tuple(pool_sizes or scenario.pool_sizes)
    sink = EventSink(consumer)
    ctx = RunContext(
        scenario.id,
        params,
        sizes,
        repeats or scenario.repeats,
        pools,
        sink,
        cancel or CancelToken(),
        timeout,
    )
    sink.emit(RunStarted(scenario.id, dict(params), sizes, ctx.repeats, ctx.origin))
    state = "completed"
    try:
        scenario.run(ctx)
        if ctx.failed:
            state = "failed"
    except RunCancelled:
        state = "cancelled"
    except PoolStartError as exc:  # the system refused a pool: one record naming the limit
        ctx.report_error(exc.record)
        state = "failed"
    except Exception as exc:  # a bug in a scenario: report it like any other error
        ctx.report_exception(exc, "thread", worker="scenario runner")
        state = "failed"
    finally:
        report = ctx.report
        report.state = state
        report.duration_s = time.perf_counter() - ctx.origin
        if ctx._dropped_lines:
            report.output.append(f"… {ctx._dropped_lines} more lines of output were dropped")
        report.summary = summarize(entry.measurement for entry in report.runs)
        report.environment["gil"] = run_verdict()
        report.why, report.why_bars = _why(report)
        sink.emit(RunFinished(report))
        sink.close()
        if own_pools:
            pools.shutdown()
    return report


WHY_UNWORKED = "not worked out"  # a host without numpy: the caller may work it out itself


def _why(report: RunReport) -> tuple[list[str], list[dict[str, Any]]]:
    """The report's "Why not N×" lines and bars. A fault in making them is an error record
    with its traceback, never a failed run: they explain the measurements, they are not one."""
    try:
        from .why_not import why_of  # numpy: imported when a run ends, not when a child starts
    except ImportError as exc:  # a run host under another Python with the stdlib alone
        return [f"{WHY_UNWORKED} (the run host's Python has no {exc.name or 'numpy'})"], []
    try:
        return why_of(report)
    except Exception as exc:
        report.errors.append(caught_record(exc, worker="run host", context="why not N×"))
        return [], []
