"""One call on a ``QThreadPool`` thread, its outcome delivered to the GUI thread as a signal.

The history's database calls (save a run, list, load, delete) and report writes take from a
millisecond to a second; none of them may hold the GUI thread. A :class:`BackgroundCall` runs
a plain function on the pool (a bound method, not a QRunnable: bridge.py says why) and emits
``finished(result)`` or ``failed(message)``; the object lives on the GUI thread, so the emit
is queued there. An exception that is not one of the expected failures is a bug: besides the
message, ``crashed(record)`` carries its traceback to the window's error console. ``wait``
lets a closing window let a save end instead of cutting it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal


class BackgroundCall(QObject):
    """``call()`` on a pool thread; ``finished(result)`` or ``failed(message)`` follows once."""

    finished = Signal(object)
    failed = Signal(str)
    crashed = Signal(object)  # an ErrorRecord with the traceback (a bug, not a user's problem)

    def __init__(self, call: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call = call
        self._done = threading.Event()

    def start(self) -> BackgroundCall:
        QThreadPool.globalInstance().start(self._run)
        return self

    def wait(self, timeout: float) -> bool:
        return self._done.wait(timeout)

    def done(self) -> bool:
        return self._done.is_set()

    def _run(self) -> None:
        # Here, not at the top: the window imports this module before its first paint, and
        # the store pulls in numpy and sqlite3 (tests/ui/test_history_autosave.py keeps them out).
        from ...engine._worker import caught_record
        from ...history.store import HistoryError

        try:
            result = self._call()
        except (HistoryError, OSError, ValueError) as exc:
            self._done.set()
            self._emit(self.failed, str(exc) or type(exc).__name__)
        except Exception as exc:  # a bug: a message and a record, never a dead pool thread
            self._done.set()
            self._emit(self.crashed, caught_record(exc, worker="history", context="run history"))
            self._emit(self.failed, f"{type(exc).__name__}: {exc}")
        else:
            self._done.set()
            self._emit(self.finished, result)

    @staticmethod
    def _emit(signal: Any, value: Any) -> None:
        """Emit, unless the window closed meanwhile and took this object with it: nobody is
        left to tell, and a traceback on the terminal would be the only trace (test_lifecycle)."""
        try:
            signal.emit(value)
        except RuntimeError:  # "Signal source has been deleted"
            pass


class BackgroundCalls(QObject):
    """Keeps every call alive until it has reported (a dropped one would never emit)."""

    crashed = Signal(object)  # any call's ErrorRecord, for the error console

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: set[BackgroundCall] = set()

    def start(
        self,
        call: Callable[[], Any],
        on_finished: Callable[[Any], None],
        on_failed: Callable[[str], None],
    ) -> BackgroundCall:
        job = BackgroundCall(call, self)
        self._running.add(job)
        job.finished.connect(on_finished)
        job.failed.connect(on_failed)
        job.crashed.connect(self.crashed)
        job.finished.connect(lambda _result, j=job: self._forget(j))
        job.failed.connect(lambda _text, j=job: self._forget(j))
        return job.start()

    def _forget(self, job: BackgroundCall) -> None:
        self._running.discard(job)
        job.deleteLater()

    def busy(self) -> bool:
        return bool(self._running)

    def wait(self, timeout: float) -> bool:
        """Block until every call has returned (at quit: a save half done is worth ending)."""
        return all(job.wait(timeout) for job in list(self._running))
