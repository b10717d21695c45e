"""The CLI's live progress: one line on a terminal, redrawn in place, gone when the run ends.

Events arrive in batches on the engine's sink thread and only update counters here; the main
thread draws, so nothing else writes to the terminal at the same time. Only used when stderr is
a terminal: in a pipe or a log file a redrawn line would be noise.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from typing import TextIO

from ..engine.events import (
    ErrorRaised,
    Event,
    MeasurementFinished,
    MeasurementStarted,
    OutputLine,
    Progress,
    RunStarted,
)

BAR_WIDTH = 20
MIN_REDRAW_S = 0.1


class ProgressLine:
    """A consumer for the engine's events that keeps one status line up to date."""

    def __init__(self, stream: TextIO, scenario: str) -> None:
        self._stream = stream
        self._scenario = scenario
        self._lock = threading.Lock()
        self._began = time.monotonic()
        self._repeats = 1
        self._step = "starting"
        self._done = self._total = self._running = 0
        self._measured = self._errors = self._lines = 0
        self._shown = ""
        self._drawn_at = 0.0
        self._closed = False

    def __call__(self, events: Sequence[Event]) -> None:
        with self._lock:
            for event in events:
                self._update(event)

    def _update(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._repeats = event.repeats
        elif isinstance(event, MeasurementStarted):
            self._step = (
                f"{event.series}: {event.backend} × {event.pool_size}, "
                f"repeat {event.repeat + 1}/{self._repeats}"
            )
            self._done, self._total, self._running = 0, event.total, 0
        elif isinstance(event, Progress):
            self._done, self._running = event.done, len(event.running)
            self._total = event.total or self._total
        elif isinstance(event, MeasurementFinished):
            self._measured += 1
        elif isinstance(event, ErrorRaised):
            self._errors += 1
        elif isinstance(event, OutputLine):
            self._lines += 1

    def text(self) -> str:
        """The status line as it would be drawn now."""
        with self._lock:
            share = self._done / self._total if self._total else 0.0
            filled = int(round(share * BAR_WIDTH))
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            return (
                f"{self._scenario} [{bar}] {self._done}/{self._total} tasks"
                f" ({self._running} running) | {self._step} | {self._measured} measured,"
                f" {self._errors} errors, {self._lines} lines | {time.monotonic() - self._began:.1f} s"
            )

    def draw(self) -> None:
        """Redraw the line in place, at most every ``MIN_REDRAW_S``."""
        now = time.monotonic()
        if self._closed or now - self._drawn_at < MIN_REDRAW_S:
            return
        text = self.text()[: self._width() - 1]
        if text != self._shown:
            self._stream.write("\r\x1b[K" + text)
            self._stream.flush()
            self._shown = text
        self._drawn_at = now

    def close(self) -> None:
        """Erase the line so the report starts on a clean one."""
        if not self._closed and self._shown:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
        self._closed = True

    def _width(self) -> int:
        try:
            columns = os.get_terminal_size(self._stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            columns = 0
        return columns if columns > 20 else 80  # a pty without a size reports 0
