"""The bridge from the engine to the GUI thread: superqt's worker pattern, for one run.

``RunWorker`` is a ``QRunnable`` on ``QThreadPool.globalInstance()`` that hands the request to
the run host (a process of its own, see engine/run_host.py) and waits there for its batched
events (every 50 ms, spans merged); each batch becomes ONE ``events_received`` signal. ``RunSignals`` is created on the
GUI thread, so every emit from the pool or event-sink thread is delivered there, queued.
Widgets are never touched here.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..engine.cancel import CancelToken
from ..engine.host.client import RunHost, RunHostError
from ..scenarios.base import Scenario


@dataclass(frozen=True)
class RunRequest:
    """What to run, fixed when Run is pressed (later edits in the window do not leak in)."""

    scenario: Scenario
    params: dict[str, Any]
    pool_sizes: tuple[int, ...]
    repeats: int
    timeout: float | None = field(default=None)


class RunSignals(QObject):
    """Past-tense signals of one run; lives on the GUI thread."""

    run_started = Signal(str)
    events_received = Signal(object)  # a list of engine events (one batch)
    run_finished = Signal(object)  # the RunReport
    run_failed = Signal(str)  # a bug outside the scenario: the formatted traceback


class RunWorker(QRunnable):
    """Runs one request on a pool thread; ``cancel()`` is safe from any thread."""

    def __init__(self, request: RunRequest, host: RunHost) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the window keeps it until it is done
        self.request = request
        self.signals = RunSignals()
        self._host = host
        self._token = CancelToken()
        self._done = threading.Event()

    def start(self) -> None:
        # The bound method, not ``self``: PySide6 keeps a reference to a QRunnable started with
        # auto-delete off and never drops it, so every run's worker leaked (the soak found it).
        QThreadPool.globalInstance().start(self.run)

    def cancel(self) -> None:
        self._token.cancel()
        self._host.cancel()

    @property
    def cancelled(self) -> bool:
        return self._token.cancelled

    def wait(self, timeout: float) -> bool:
        """Block until run() has returned (True) or ``timeout`` seconds pass (False)."""
        return self._done.wait(timeout)

    def done(self) -> bool:
        return self._done.is_set()

    def _consume(self, batch: Sequence[Any]) -> None:
        # Called on this run's pool thread as each batch arrives: one emit per batch.
        self.signals.events_received.emit(list(batch))

    def run(self) -> None:
        """Catch everything: an exception escaping QRunnable.run is printed and lost."""
        request = self.request
        try:
            self.signals.run_started.emit(request.scenario.id)
            report = self._host.run(
                request.scenario,
                dict(request.params),
                pool_sizes=request.pool_sizes,
                repeats=request.repeats,
                consumer=self._consume,
                cancel=self._token,
                timeout=request.timeout,
            )
        except RunHostError as exc:  # the engine failed in the host: its traceback, not ours
            self._done.set()
            self.signals.run_failed.emit(str(exc))
            return
        except BaseException:  # even SystemExit must reach the window
            self._done.set()
            self.signals.run_failed.emit(traceback.format_exc())
            return
        self._done.set()
        self.signals.run_finished.emit(report)
