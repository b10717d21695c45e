"""The bridge from the engine to the GUI thread: superqt's worker pattern, for one run.

``RunWorker.run`` goes on a ``QThreadPool`` thread, hands the request to the run host (a
process of its own, see engine/host/client.py) and waits there for its batched events (every
50 ms, spans merged); each batch becomes ONE ``events_received`` signal. ``RunSignals`` is
created on the GUI thread, so every emit from the pool thread is delivered there, queued.
Widgets are never touched here.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from ..engine._worker import caught_record
from ..engine.cancel import CancelToken
from ..engine.host.client import RunHost
from ..engine.host.protocol import RunRequest

__all__ = ["RunRequest", "RunSignals", "RunWorker"]


class RunSignals(QObject):
    """Past-tense signals of one run; lives on the GUI thread."""

    events_received = Signal(object)  # a list of engine events (one batch)
    run_finished = Signal(object)  # the RunReport
    run_failed = Signal(object)  # an ErrorRecord: a bug outside the scenario, in this process


class RunWorker:
    """Runs one request on a pool thread; ``cancel()`` is safe from any thread."""

    def __init__(self, request: RunRequest, host: RunHost) -> None:
        self.request = request
        self.signals = RunSignals()
        self._host = host
        self._token = CancelToken()
        self._done = threading.Event()

    def start(self) -> None:
        # The bound method, not a QRunnable: PySide6 kept a reference to every QRunnable
        # started with auto-delete off and never dropped it (the soak found the leak).
        QThreadPool.globalInstance().start(self.run)

    def cancel(self) -> None:
        self._token.cancel()
        self._host.cancel()

    def wait(self, timeout: float) -> bool:
        """Block until run() has returned (True) or ``timeout`` seconds pass (False)."""
        return self._done.wait(timeout)

    def done(self) -> bool:
        return self._done.is_set()

    def _consume(self, batch: Sequence[Any]) -> None:
        # Called on this run's pool thread as each batch arrives: one emit per batch.
        self.signals.events_received.emit(list(batch))

    def run(self) -> None:
        """Catch everything: an exception escaping a pool thread's callable is printed and
        lost. The host reports its own failures inside the report; what lands here is a bug
        on this side of the pipe."""
        try:
            report = self._host.submit(self.request, self._consume, self._token)
        except BaseException as exc:
            record = caught_record(exc, worker="run thread", context="window")
            self._done.set()
            self.signals.run_failed.emit(record)
            return
        self._done.set()
        self.signals.run_finished.emit(report)
