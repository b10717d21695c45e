"""The run host: the process that runs the window's scenarios, away from the GUI's GIL.

Why a process: a run of 100,000 tiny tasks keeps the engine's threads busy unpickling chunk
results and merging spans, and in the window's own process the GUI thread then waited for the
GIL: event-loop gaps of 130–220 ms (tests/benchmarks/gui_latency.py, docs/benchmarks.md §4).
Here the engine has a GIL of its own; the window only receives the batched events, about 20
pickled messages a second whatever the task rate.

This module is the child's side and imports no Qt (the child must never load it). The messages
are the dataclasses of ``protocol.py``; the big ones go in parts, split there.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from typing import Any

from .._worker import caught_record
from ..cancel import CancelToken
from ..context import run_scenario
from ..events import RunFinished
from ..parent_watch import exit_with_parent
from ..pools import PoolManager, stop_process_helpers
from ..records import ErrorRecord
from .protocol import (
    SPAN_CHUNK,
    CancelCall,
    EventBatch,
    Heartbeat,
    HostError,
    Ready,
    ReportPart,
    RunCall,
    RunDone,
    RunFailed,
    RunRequest,
    ShutdownCall,
    SpanLedger,
    report_parts,
    split_batch,
)

SHUTDOWN_WAIT_S = 1.0  # a cancelled run kills its workers well within this
HEARTBEAT_S = 0.25  # the window fails a run when the host is silent for HEARTBEAT_LIMIT_S


class _Host:
    """One host process's state: its pools, the pipes (sends locked) and the current run."""

    def __init__(self, requests: Any, events: Any) -> None:
        self.requests, self.events = requests, events
        self.notices: list[str] = []  # what the pools noted during the current run
        self.pools = PoolManager(on_notice=self._pool_notice)
        self._send_lock = threading.Lock()
        self.run_id = 0
        self.token: CancelToken | None = None
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()

    def send(self, message: Any) -> None:
        with self._send_lock:
            self.events.send(message)

    def _pool_notice(self, note: str, record: ErrorRecord | None) -> None:
        """A pool found broken before reuse and rebuilt: a note on the run, and a record
        (sent now) only when something happened that the user must hear of."""
        self.notices.append(note)
        if record is not None:
            self.send(HostError(record))

    def heartbeat(self) -> None:
        """Tell the window every ``HEARTBEAT_S`` that this process still runs (a host stopped
        with SIGSTOP, or wedged, falls silent and the window gives up on it)."""
        while not self.stopping.wait(HEARTBEAT_S):
            thread = self.thread
            if thread is None or not thread.is_alive():
                continue  # between runs nobody reads: the pipe would fill with heartbeats
            try:
                self.send(Heartbeat())
            except (OSError, ValueError):  # the window is gone
                return

    def start_run(self, run_id: int, request: RunRequest) -> None:
        if self.thread is not None:
            # The window sends a run only after the last one's "done": that thread is ending.
            self.thread.join(SHUTDOWN_WAIT_S)
        if self.thread is not None and self.thread.is_alive():
            record = ErrorRecord(
                "thread",
                "RuntimeError",
                "a run is already in progress in the run host; runs are never interleaved",
                "",
                worker="run host",
                pid=os.getpid(),
                context="run host",
            )
            self.send(RunFailed(run_id, record, self.pools.describe()))
            return
        self.run_id, self.token = run_id, CancelToken()
        self.pools.watch(self.token)
        args = (run_id, request, self.token)
        self.thread = threading.Thread(target=self._run, args=args, name="host-run")
        self.thread.start()

    def _run(self, run_id: int, request: RunRequest, token: CancelToken) -> None:
        seen = SpanLedger()
        self.notices = []
        try:
            report = run_scenario(
                request.scenario,
                request.params,
                pool_sizes=request.pool_sizes,
                repeats=request.repeats,
                pools=self.pools,
                consumer=lambda batch: self._send_events(run_id, batch, seen),
                cancel=token,
                timeout=request.timeout,
                scheduler=request.scheduler,
            )
            report.notes.extend(self.notices)
            for what, index, values in report_parts(report, seen):
                self.send(ReportPart(run_id, what, index, values))
            self.send(RunDone(run_id, report, self.pools.describe()))
        except BaseException as exc:
            record = caught_record(exc, worker="run host", context="run host")
            self.send(RunFailed(run_id, record, self.pools.describe()))

    def _send_events(self, run_id: int, batch: Sequence[Any], seen: SpanLedger) -> None:
        """A batch to the window, less ``RunFinished``: its report follows as ``RunDone``
        (twice would double the biggest message: 6.5 MB and 70 ms of unpickling for 100,000
        tasks). ``seen`` counts the spans sent, so the report does not carry them again."""
        events = [event for event in batch if not isinstance(event, RunFinished)]
        for part in split_batch(events, SPAN_CHUNK):
            # with the pools as they are now: the status bar shows them live
            self.send(EventBatch(run_id, part, self.pools.describe()))
            seen.note(part)

    def cancel(self, run_id: int) -> None:
        if self.token is not None and run_id == self.run_id:
            self.token.cancel()

    def stop(self) -> None:
        """Cancel a run, stop the pools and multiprocessing's helpers: nothing of ours stays."""
        self.stopping.set()
        if self.token is not None:
            self.token.cancel()
        if self.thread is not None:
            self.thread.join(SHUTDOWN_WAIT_S)
        self.pools.shutdown()
        stop_process_helpers()

    def report_uncaught(self, exc: BaseException, where: str) -> None:
        if where.endswith("(_handle_workers)") and isinstance(exc, OSError):
            # multiprocessing.Pool's worker handler could not replace a worker because the
            # forkserver died: the pool manager finds that loss before the pool is reused and
            # reports it once, accurately (ForkserverDied), so this is not a second record.
            return
        record = caught_record(exc, worker=where, context="run host")
        try:
            self.send(HostError(record))
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
    host.send(Ready(os.getpid()))
    threading.Thread(target=host.heartbeat, name="host-heartbeat", daemon=True).start()
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
        if isinstance(message, RunCall):
            host.start_run(message.run_id, message.request)
        elif isinstance(message, CancelCall):
            host.cancel(message.run_id)
        elif isinstance(message, ShutdownCall):
            return
