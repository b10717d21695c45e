"""The window's handle on its run host: a process of its own that runs every scenario.

``RunHost.run`` has the shape of ``run_scenario`` (events to a consumer in batches, a cancel
token, a report back) but the engine runs in the host process (``server.py``), so the window's
GIL serves the GUI thread alone. The host starts lazily (or ahead, with ``start``), keeps its
pools warm between runs, and is started again after it dies: a killed host is reported as an
error record of a failed run, and the next run gets a fresh one. A host that falls silent (no
message, not even its heartbeat, for ``HEARTBEAT_LIMIT_S``: stopped with SIGSTOP, or wedged) is
treated the same way: the run fails with a record, the host's tree is killed.

Qt-free, like the rest of the engine: the bridge calls ``run`` from a ``QThreadPool`` thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from ..cancel import CancelToken
from ..events import Consumer, ErrorRaised
from ..executors.processes import exit_description
from ..outputs.report import RunReport
from ..process_tree import kill_tree
from ..records import ErrorRecord
from ..start_method import get_host_context
from . import foreign
from .protocol import (
    CancelCall,
    EventBatch,
    HostError,
    Ready,
    ReportAssembler,
    ReportPart,
    RunCall,
    RunDone,
    RunFailed,
    RunRequest,
    ShutdownCall,
)
from .server import HEARTBEAT_S, serve

READY_TIMEOUT_S = 60.0  # a cold start on a loaded machine (or frozen, first launch) is slow
POLL_S = 0.05  # how often a waiting run looks at its cancel token (``cancel()`` is at once)
STOP_WAIT_S = 1.0
# A run fails when the host has sent nothing, not even a heartbeat (every 0.25 s), for this
# long while nothing waited in the pipe: 8 heartbeats missed, far beyond a loaded machine's
# scheduling delays, well under the 5 s a user waits before giving up on a window.
HEARTBEAT_LIMIT_S = 8 * HEARTBEAT_S


class HostDied(Exception):
    """The host process ended (killed, crashed) or could not start."""


class RunHost:
    """Starts, feeds and stops the run host; one run at a time; thread-safe."""

    def __init__(self, nice: int = 0, python: str | None = None) -> None:
        self._nice = nice
        # Another interpreter's path to run the host under (engine/pythons.py); None: this one.
        self.python = python
        self._launched_python: str | None = None  # what the running host runs under
        self._lock = threading.Lock()  # start/stop, and every send
        self._process: Any = None
        self._requests: Any = None  # our sending end
        self._events: Any = None  # our receiving end
        self._run_id = 0
        self._running: int | None = None  # the run in progress, if any
        self._pools: list[tuple[str, int, bool]] = []
        self._closed = False
        self._heard = 0.0  # monotonic time of the host's last message during a run

    # --- life ------------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def start(self) -> float:
        """Start the host if it is not running; seconds it took (0 when already up)."""
        with self._lock:
            if self._closed:
                raise HostDied("the run host was shut down")
            if self._process is not None and self._process.is_alive():
                if self._launched_python == self.python:
                    return 0.0
                self._retire()  # another interpreter was chosen since: this host goes
            self._discard()
            began = time.perf_counter()
            self._launch()
            return time.perf_counter() - began

    def _launch(self) -> None:
        if self.python is None:
            process, requests, events = self._spawn()
        else:  # another interpreter: a subprocess on its standard library (foreign.py)
            try:
                process, requests, events = foreign.launch(self.python, self._nice)
            except OSError as exc:
                raise HostDied(f"the run host could not start under {self.python}: {exc}") from None
        self._process, self._requests, self._events, self._pools = process, requests, events, []
        self._launched_python = self.python
        if not events.poll(READY_TIMEOUT_S):
            self._discard()
            raise HostDied(f"the run host did not start within {READY_TIMEOUT_S:.0f} s")
        try:
            message = events.recv()
            if not isinstance(message, Ready):
                raise OSError(f"the run host said {message!r} before it was ready")
        except (EOFError, OSError):
            process.join(0.5)
            code = process.exitcode
            self._discard()
            raise HostDied(
                f"the run host ended while starting ({exit_description(code)})"
            ) from None

    def use_python(self, python: str | None) -> None:
        """Run the next runs under ``python`` (a path; None: this interpreter). The host now
        running is replaced at the next start, on whichever thread starts it (never the GUI
        thread: a run's thread, or the warm-up's). Refused while a run is in progress."""
        with self._lock:
            if self._running is not None:
                raise RuntimeError("a run is in progress: the interpreter changes after it")
            self.python = python

    def _retire(self) -> None:
        """Stop the idle host politely (it stops its pools), killing it if it lingers."""
        try:
            self._requests.send(ShutdownCall())
        except (OSError, ValueError):
            pass
        self._process.join(STOP_WAIT_S)
        self._discard(0.0)

    def _spawn(self) -> tuple[Any, Any, Any]:
        mp = get_host_context()
        their_requests, requests = mp.Pipe(duplex=False)
        events, their_events = mp.Pipe(duplex=False)
        # Not a daemon: a daemonic process may not have children, and the host starts pools.
        process = mp.Process(
            target=serve, args=(their_requests, their_events, self._nice), name="run-host"
        )
        process.start()
        their_requests.close()
        their_events.close()
        return process, requests, events

    def _discard(self, wait: float = 0.1) -> None:
        """Forget the host, closing our ends of its pipes; one still running (it never became
        ready, or it froze) is killed with everything under it, and the POSIX semaphores its
        tree held are unlinked and unregistered (the resource tracker, shared with this
        process, would warn of them as leaked at exit); one that ended is reaped."""
        for end in (self._requests, self._events):
            if end is not None:
                end.close()
        process = self._process
        if process is not None:
            process.join(wait)
            if process.is_alive():
                kill_tree(process.pid, include_root=True, unlink_semaphores=True)
                process.join(1.0)
        self._process = self._requests = self._events = None

    def describe(self) -> list[tuple[str, int, bool]]:
        """(kind, size, warm) of the host's pools, as of its last message (empty if it is
        gone)."""
        return list(self._pools) if self.pid is not None else []

    def shutdown(self, timeout: float = STOP_WAIT_S) -> None:
        """Stop the host and everything under it, for good (a later ``start`` or ``run`` is
        refused); kills what has not exited within ``timeout``."""
        with self._lock:
            self._closed = True
            process = self._process
            if process is None:
                return
            try:
                self._requests.send(ShutdownCall())
            except (OSError, ValueError):
                pass
            if self._silent_for() > HEARTBEAT_LIMIT_S or _stopped(process.pid):
                timeout = 0.0  # frozen: it will not exit, do not wait for it
            process.join(timeout)
            self._discard(0.0)  # kills it and its workers if it did not exit in time

    def restart(self, timeout: float = STOP_WAIT_S) -> bool:
        """End the host and its workers now if no run is going; the next run starts a fresh
        one. For a cancelled run of a user's experiment: its task may still spin in a thread
        of the host, and a thread cannot be killed, so the process goes. False if a run is on."""
        with self._lock:
            process = self._process
            if self._running is not None or process is None:
                return False
            try:
                self._requests.send(ShutdownCall())
            except (OSError, ValueError):
                pass
            process.join(timeout)
            self._discard(0.0)  # kills it and its workers if it did not exit in time
            return True

    # --- a run -----------------------------------------------------------------------------------

    def run(
        self,
        scenario: Any,
        params: dict[str, Any],
        *,
        pool_sizes: Sequence[int],
        repeats: int,
        consumer: Consumer,
        cancel: CancelToken,
        timeout: float | None = None,
    ) -> RunReport:
        """Run ``scenario`` (a registered ``Scenario``) in the host: see :meth:`submit`."""
        request = RunRequest(scenario, dict(params), tuple(pool_sizes), repeats, timeout)
        return self.submit(request, consumer, cancel)

    def submit(self, request: RunRequest, consumer: Consumer, cancel: CancelToken) -> RunReport:
        """Run ``request`` in the host; events reach ``consumer`` in batches, as the host sends
        them. A host that dies or freezes mid-run gives a failed report with an error record,
        and so does an engine failure in the host (:class:`RunFailed`): this never raises for
        what happens in the host."""
        try:
            self.start()
            with self._lock:
                self._run_id += 1
                run_id, events = self._run_id, self._events
                self._requests.send(RunCall(run_id, request))
                self._running = run_id
            try:
                return self._receive(events, run_id, request, consumer, cancel)
            finally:
                self._running = None
                self._heard = 0.0
        except (HostDied, HostFrozen, EOFError, OSError, ValueError) as exc:
            record = self._death_record(exc)
            consumer([ErrorRaised(record)])
            return _failed_report(request, record)

    def cancel(self) -> None:
        """Ask the host to cancel the current run, now (any thread)."""
        with self._lock:
            if self._running is not None and self._requests is not None:
                try:
                    self._requests.send(CancelCall(self._running))
                except (OSError, ValueError):  # the host is gone: its run ends anyway
                    pass

    def _silent_for(self) -> float:
        return time.monotonic() - self._heard if self._heard else 0.0

    def _receive(
        self,
        events: Any,
        run_id: int,
        request: RunRequest,
        consumer: Consumer,
        cancel: CancelToken,
    ) -> RunReport:
        asked_to_cancel = False
        parts = ReportAssembler()
        self._heard = time.monotonic()
        while True:
            if cancel.cancelled and not asked_to_cancel:  # a token cancelled without cancel()
                asked_to_cancel = True
                self.cancel()
            if not events.poll(POLL_S):
                if self._silent_for() > HEARTBEAT_LIMIT_S:
                    raise HostFrozen(
                        f"the run host (pid {self.pid}) stopped answering: nothing from it, "
                        f"not even its heartbeat, for {HEARTBEAT_LIMIT_S:g} s"
                    )
                continue
            message = events.recv()
            self._heard = time.monotonic()
            if isinstance(message, HostError):
                consumer([ErrorRaised(message.record)])
            elif getattr(message, "run_id", run_id) != run_id:
                continue  # a late message of an earlier run
            elif isinstance(message, EventBatch):
                self._pools = message.pools
                parts.add_events(message.events)
                consumer(message.events)
            elif isinstance(message, ReportPart):
                parts.add_part(message)
            elif isinstance(message, RunDone):
                self._pools = message.pools
                return parts.finish(message.report)
            elif isinstance(message, RunFailed):
                self._pools = message.pools
                consumer([ErrorRaised(message.record)])
                return _failed_report(request, message.record)

    def _death_record(self, exc: BaseException) -> ErrorRecord:
        process = self._process
        pid = process.pid if process is not None else None
        if isinstance(exc, HostFrozen):
            with self._lock:
                self._discard(0.0)  # kill its tree now: a frozen host never recovers
        elif process is not None:
            process.join(0.5)
        code = process.exitcode if process is not None else None
        with self._lock:
            if process is not None and not process.is_alive():
                self._discard()
        what = (
            str(exc)
            if isinstance(exc, HostDied | HostFrozen)
            else (f"the run host (pid {pid}) ended mid-run: {exit_description(code)}")
        )
        return ErrorRecord(
            origin="process",
            type="RunHostFrozen" if isinstance(exc, HostFrozen) else "RunHostDied",
            message=f"{what}."
            if self._closed
            else (f"{what}. The run is lost; the next run starts a new host."),
            traceback=f"{type(exc).__name__}: {exc}\n"
            + (
                "(no traceback: the run host stopped answering; it was killed with its workers)\n"
                if isinstance(exc, HostFrozen)
                else "(no traceback: the run host process ended without reporting one)\n"
            ),
            worker="run host",
            pid=pid,
            exitcode=code,
            context="window",
        )


class HostFrozen(Exception):
    """The host is alive but silent: stopped (SIGSTOP) or wedged."""


def _stopped(pid: int | None) -> bool:
    """Whether ``pid`` is stopped (SIGSTOP): it will answer nothing until continued."""
    from ..process_info import psutil

    try:
        return pid is not None and psutil.Process(pid).status() == psutil.STATUS_STOPPED
    except psutil.Error:
        return False


def _failed_report(request: RunRequest, record: ErrorRecord) -> RunReport:
    return RunReport(
        request.scenario.id,
        dict(request.params),
        request.pool_sizes,
        request.repeats,
        state="failed",
        errors=[record],
    )
