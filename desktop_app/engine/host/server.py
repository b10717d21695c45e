"""The run host: the process that runs the window's scenarios, away from the GUI's GIL.

Why a process: a run of 100,000 tiny tasks keeps the engine's threads busy unpickling chunk
results and merging spans, and in the window's own process the GUI thread then waited for the
GIL: event-loop gaps of 130–220 ms (tests/benchmarks/gui_latency.py, docs/benchmarks.md §4).
Here the engine has a GIL of its own; the window only receives the batched events, about 20
pickled messages a second whatever the task rate.

This module is the child's side and imports no Qt (the child must never load it). Messages, as
tuples on two one-way pipes (so that sending and receiving never share a handle across
threads, which Windows pipes would not take):

- to the host: ``("run", run_id, scenario, params, pool_sizes, repeats, timeout)``: the
  ``Scenario`` itself, pickled by reference to its module, so a scenario registered in the
  window's process only (a test's, a plug-in's) runs too;
  ``("cancel", run_id)``, ``("shutdown",)``
- from the host: ``("ready", pid)``, ``("events", run_id, batch, pools)``,
  ``("rows", run_id, rows)`` (the results table in parts, before its report),
  ``("results", run_id, index, values)`` and ``("spans", run_id, index, table)``: the
  results and spans of ``report.runs[index]`` in parts, before the report, which comes
  without them,
  ``("done", run_id, report, pools)``, ``("failed", run_id, traceback_text, pools)``,
  ``("error", record)`` for an uncaught error outside a run (a host thread's excepthook).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
import traceback
from collections.abc import Sequence
from typing import Any

from .._worker import describe_exception, exit_with_parent
from ..cancel import CancelToken
from ..context import run_scenario
from ..events import RunFinished, TasksFinished
from ..pools import PoolManager, stop_process_helpers
from ..records import ErrorRecord, SpanTable

SHUTDOWN_WAIT_S = 1.0  # a cancelled run kills its workers well within this
# A results table travels in parts: the window unpickles each on its bridge thread, and one
# unpickle holds the GIL throughout (100,000 rows in one piece: 77 ms the GUI thread waited;
# 2,000 rows: 1-2 ms).
TABLE_CHUNK_ROWS = 2000
# The runs' results and spans likewise: 100,000 tiny tasks at 4 pool sizes made a 14.8 MB
# report that took 22-31 ms to unpickle in one piece (its 400,000 result objects), and its
# 12.4 MB of span columns alone 4-16 ms (tests/benchmarks/gui_latency.py).
RESULT_CHUNK = 10_000
SPAN_CHUNK = 50_000  # 1.5 MB of columns


def split_batch(events: Sequence[Any], limit: int) -> list[list[Any]]:
    """``events`` in order, as messages of at most ``limit`` spans each (a table that does not
    fit is cut into parts): a 50 ms batch of tiny tasks held 155,000 spans, 4.8 MB that the
    window's bridge thread took 6 ms to unpickle, holding the GIL the GUI thread waits for."""
    messages: list[list[Any]] = []
    current: list[Any] = []
    spans = 0
    for event in events:
        if not isinstance(event, TasksFinished) or not len(event.spans):
            current.append(event)
            continue
        table, first = event.spans, 0
        while first < len(table):
            if spans >= limit:
                messages.append(current)
                current, spans = [], 0
            room = limit - spans
            whole = first == 0 and len(table) <= room
            part = table if whole else table.part(first, first + room)
            current.append(event if whole else dataclasses.replace(event, spans=part))
            spans += len(part)
            first += len(part)
    if current:
        messages.append(current)
    return messages


class _Host:
    """One host process's state: its pools, the pipes (sends locked) and the current run."""

    def __init__(self, requests: Any, events: Any) -> None:
        self.requests, self.events = requests, events
        self.pools = PoolManager()
        self._send_lock = threading.Lock()
        self.run_id = 0
        self.token: CancelToken | None = None
        self.thread: threading.Thread | None = None

    def send(self, message: tuple) -> None:
        with self._send_lock:
            self.events.send(message)

    def start_run(
        self,
        run_id: int,
        scenario: Any,
        params: dict,
        sizes: tuple,
        repeats: int,
        timeout: float | None,
    ) -> None:
        if self.thread is not None:
            # The window sends a run only after the last one's "done": that thread is ending.
            self.thread.join(SHUTDOWN_WAIT_S)
        if self.thread is not None and self.thread.is_alive():
            self.send(
                (
                    "failed",
                    run_id,
                    "RuntimeError: a run is already in progress in the run "
                    "host; runs are never interleaved\n",
                    self.pools.describe(),
                )
            )
            return
        self.run_id, self.token = run_id, CancelToken()
        args = (run_id, scenario, params, sizes, repeats, timeout, self.token)
        self.thread = threading.Thread(target=self._run, args=args, name="host-run")
        self.thread.start()

    def _run(
        self,
        run_id: int,
        scenario: Any,
        params: dict,
        sizes: tuple,
        repeats: int,
        timeout: float | None,
        token: CancelToken,
    ) -> None:
        try:
            report = run_scenario(
                scenario,
                params,
                pool_sizes=sizes,
                repeats=repeats,
                pools=self.pools,
                consumer=lambda batch: self._send_events(run_id, batch),
                cancel=token,
                timeout=timeout,
            )
            rows, report.table_rows = report.table_rows, []
            for first in range(0, len(rows), TABLE_CHUNK_ROWS):
                self.send(("rows", run_id, rows[first : first + TABLE_CHUNK_ROWS]))
            self._send_entries(run_id, report)
            self.send(("done", run_id, report, self.pools.describe()))
        except BaseException:  # the window must hear of it, whatever it is
            self.send(("failed", run_id, traceback.format_exc(), self.pools.describe()))

    def _send_entries(self, run_id: int, report: Any) -> None:
        """Each run's results and spans in parts, taken out of ``report``."""
        for index, entry in enumerate(report.runs):
            results, entry.results = entry.results, []
            spans, entry.spans = entry.spans, SpanTable()
            for first in range(0, len(results), RESULT_CHUNK):
                self.send(("results", run_id, index, results[first : first + RESULT_CHUNK]))
            for first in range(0, len(spans), SPAN_CHUNK):
                self.send(("spans", run_id, index, spans.part(first, first + SPAN_CHUNK)))

    def _send_events(self, run_id: int, batch: Sequence[Any]) -> None:
        """A batch to the window, less ``RunFinished``: its report follows as "done" (twice
        would double the biggest message: 6.5 MB and 70 ms of unpickling for 100,000 tasks)."""
        events = [event for event in batch if not isinstance(event, RunFinished)]
        for part in split_batch(events, SPAN_CHUNK):
            # with the pools as they are now: the status bar shows them live
            self.send(("events", run_id, part, self.pools.describe()))

    def cancel(self, run_id: int) -> None:
        if self.token is not None and run_id == self.run_id:
            self.token.cancel()

    def stop(self) -> None:
        """Cancel a run, stop the pools and multiprocessing's helpers: nothing of ours stays."""
        if self.token is not None:
            self.token.cancel()
        if self.thread is not None:
            self.thread.join(SHUTDOWN_WAIT_S)
        self.pools.shutdown()
        stop_process_helpers()

    def report_uncaught(self, exc: BaseException, where: str) -> None:
        kind, message, text = describe_exception(exc)
        record = ErrorRecord(
            "thread", kind, message, text, worker=where, pid=os.getpid(), context="run host"
        )
        try:
            self.send(("error", record))
        except Exception:  # the pipe is gone: the window is closing
            pass


def serve(requests: Any, events: Any, nice: int = 0) -> None:
    """The host's main loop (a ``Process`` target): run requests one at a time until told to
    stop or until the pipe closes; exits with the window even if the window is killed."""
    exit_with_parent()
    if nice:
        try:
            os.nice(nice)  # the host and its workers yield the CPU to the GUI thread
        except (AttributeError, OSError):  # Windows has no nice()
            pass
    host = _Host(requests, events)
    threading.excepthook = lambda args: host.report_uncaught(
        args.exc_value or RuntimeError("unknown error"),
        f"thread {args.thread.name if args.thread else '?'}",
    )
    sys.excepthook = lambda _type, value, _tb: host.report_uncaught(value, "run host")
    host.send(("ready", os.getpid()))
    try:
        _loop(host)
    finally:
        host.stop()
        requests.close()
        events.close()


def _loop(host: _Host) -> None:
    while True:
        try:
            message = host.requests.recv()
        except (EOFError, OSError):  # the window closed its end (or died)
            return
        kind = message[0]
        if kind == "run":
            host.start_run(*message[1:])
        elif kind == "cancel":
            host.cancel(message[1])
        elif kind == "shutdown":
            return
