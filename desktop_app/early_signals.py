"""Ctrl-C, SIGTERM and SIGHUP before the window or a run has its own handlers.

Its own module, Qt-free and importing nothing of the app, so the CLI and the window can both ask
``pending_signal()`` without the CLI reaching the entry point (which imports the window).

Starting takes a second or more on a cold start (Qt, the engine). A Ctrl-C then printed a
KeyboardInterrupt traceback from inside an import (and aborted in shiboken). Raising anything
from a handler at that point is unsafe (it crashed and hung in tests), so the handler only
notes the signal; the window and the run check it once their own handlers are in place
(pending_signal) and end the way they would for that signal, and main returns 128 + signal.
"""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType
    from typing import Any

    # What signal.signal takes and returns (typeshed's private _HANDLER).
    Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None

ENDING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_pending: int | None = None


def _note(signum: int, _frame: object) -> None:
    global _pending
    _pending = signum


def pending_signal() -> int | None:
    """The ending signal that arrived before the app's own handlers were installed, if any."""
    return _pending


def hold() -> dict[int, Handler]:
    """Note ending signals instead of dying mid-import; returns the handlers to put back."""
    global _pending
    _pending = None
    if threading.current_thread() is not threading.main_thread():
        return {}  # only the main thread may set handlers
    return {signum: signal.signal(signum, _note) for signum in ENDING_SIGNALS}
