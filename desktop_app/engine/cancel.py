"""Cooperative cancellation shared by the CLI, the window and the engine."""

from __future__ import annotations

import threading


class RunCancelled(Exception):
    """Raised inside a run when its token was cancelled."""


class CancelToken:
    """A flag a run checks between tasks; process executors also kill their workers on it."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`RunCancelled` if the run was cancelled."""
        if self._event.is_set():
            raise RunCancelled("run cancelled")

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds, waking at once on cancel; True when cancelled."""
        return self._event.wait(timeout)
