"""Uncaught errors from anywhere in the app land in the error console, not only on stderr.

Like napari's notification manager: ``sys.excepthook`` (errors in Qt slots and the GUI thread)
and ``threading.excepthook`` (errors in any Python thread) build an ``ErrorRecord`` and only
emit a signal, which Qt delivers on the GUI thread; the previous hooks still run, so stderr
keeps its traceback too.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..engine.records import ErrorRecord


def record_from(
    exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None, where: str
) -> ErrorRecord:
    """An error record for an uncaught exception (origin ``thread``: it ran in one of ours)."""
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    return ErrorRecord(
        origin="thread",
        type=getattr(exc_type, "__name__", str(exc_type)),
        message=str(exc) if exc is not None else "",
        traceback=text,
        worker=f"{where} (uncaught)",
        pid=os.getpid(),
        context="app",
    )


class ExceptionRelay(QObject):
    """Owns the hooks while installed; ``error_caught`` carries an ErrorRecord."""

    error_caught = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._previous_sys: Any = None
        self._previous_threading: Any = None
        self.installed = False

    def install(self) -> None:
        if self.installed:
            return
        self._previous_sys = sys.excepthook
        self._previous_threading = threading.excepthook
        sys.excepthook = self._sys_hook
        threading.excepthook = self._threading_hook
        self.installed = True

    def uninstall(self) -> None:
        """Put the previous hooks back (only if ours are still the ones installed)."""
        if not self.installed:
            return
        if sys.excepthook == self._sys_hook:
            sys.excepthook = self._previous_sys
        if threading.excepthook == self._threading_hook:
            threading.excepthook = self._previous_threading
        self.installed = False

    def _sys_hook(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        self._emit(exc_type, exc, tb, threading.current_thread().name)
        if self._previous_sys is not None:
            self._previous_sys(exc_type, exc, tb)

    def _threading_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is not SystemExit:
            name = args.thread.name if args.thread is not None else "a thread"
            self._emit(args.exc_type, args.exc_value, args.exc_traceback, f"thread {name}")
        if self._previous_threading is not None:
            self._previous_threading(args)

    def _emit(self, exc_type: Any, exc: Any, tb: Any, where: str) -> None:
        try:
            self.error_caught.emit(record_from(exc_type, exc, tb, where))
        except Exception:  # the hook must never raise: the previous hook still reports it
            pass
