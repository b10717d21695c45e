"""Engine events of the current run, applied to the live views cheaply.

Events only update model data (plot measurements, timeline spans, counters, a line buffer);
``tick()``, driven by the window's ~30 Hz timer, redraws what changed. A batch of 100,000 tiny
tasks arrives as a few merged span tables, so a batch costs a handful of calls, not one per task.

Only a view the user can see is redrawn; a hidden one redraws itself when its tab is shown.
Measured (tests/benchmarks/gui_latency.py): every redraw competes for the GIL with the engine's
threads in this process, so a redraw that nobody sees is a stall for nothing.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QElapsedTimer
from PySide6.QtWidgets import QProgressBar

from ..engine.events import (
    ErrorRaised,
    LocksRecorded,
    MeasurementFinished,
    MeasurementStarted,
    OutputLine,
    Progress,
    RunStarted,
    TasksFinished,
)
from ..engine.records import measurement_label
from .panels.error_console import ErrorConsole
from .panels.output_view import OutputView
from .viewmodels.waiting import waiting_for

_Key = tuple[str, str, int, int]


class RunFeed:
    """Applies event batches to the views; ``tick()`` redraws at most once per frame."""

    def __init__(
        self, views: Any, console: ErrorConsole, output: OutputView, progress: QProgressBar
    ) -> None:
        self._views = views  # has .timing_plot and .timeline, built when first asked for
        self.console, self.output, self.progress = console, output, progress
        self._labels: dict[_Key, str] = {}
        self._lines: list[str] = []
        self._elapsed = QElapsedTimer()
        self._repeats = 1
        self._done = self._total = 0
        self._measurements = 0
        self._state = "Ready"
        self.events_seen = 0

    @property
    def timing(self) -> Any:
        return self._views.timing_plot

    @property
    def timeline(self) -> Any:
        return self._views.timeline

    def begin(self, repeats: int, pool_sizes: tuple[int, ...] = ()) -> None:
        """Forget the previous run's live data (the report stays in the window); the plot's
        axis shows the run's ``pool_sizes`` from the start."""
        self._labels.clear()
        self._lines.clear()
        self._repeats = repeats
        self._done = self._total = self._measurements = 0
        self._state = "Starting…"
        self.events_seen = 0
        self.timing.clear(pool_sizes)
        self.timeline.reset(time.perf_counter())
        self._elapsed.start()
        self.progress.setRange(0, 0)

    def apply(self, batch: list[Any]) -> None:
        errors = []
        for event in batch:
            if isinstance(event, TasksFinished):
                key = (event.series, event.backend, event.pool_size, event.repeat)
                label = self._labels.get(key) or measurement_label(*key, self._repeats)
                self.timeline.add_spans(event.spans, label)
            elif isinstance(event, LocksRecorded):
                key = (event.series, event.backend, event.pool_size, event.repeat)
                label = self._labels.get(key) or measurement_label(*key, self._repeats)
                self.timeline.add_locks(event.locks, label)
            elif isinstance(event, Progress):
                self._done, self._total = event.done, event.total
                self.timeline.set_running(event.running, time.perf_counter())
            elif isinstance(event, OutputLine):
                source = event.source
                self._lines.append(event.text if source == "main" else f"[{source}] {event.text}")
            elif isinstance(event, ErrorRaised):
                errors.append(event.record)
            elif isinstance(event, MeasurementStarted):
                self._start_measurement(event)
            elif isinstance(event, MeasurementFinished):
                self.timing.add_measurement(event.measurement)
            elif isinstance(event, RunStarted):
                self.timeline.reset(event.origin)
                self._state = "Running"
        self.events_seen += len(batch)
        if errors:
            self.console.add_records(errors)

    def _start_measurement(self, event: MeasurementStarted) -> None:
        key = (event.series, event.backend, event.pool_size, event.repeat)
        self.timeline.begin_measurement(
            measurement_label(*key, self._repeats), waiting_for(event.backend, event.bound)
        )
        labels = self.timeline.measurement_labels()
        self._labels[key] = labels[-1] if labels else ""
        self._done, self._total = 0, event.total
        self._measurements += 1
        self.timeline.set_running((), time.perf_counter())

    def set_state(self, text: str) -> None:
        self._state = text

    def tick(self, final: bool = False) -> None:
        """Redraw what changed since the last frame and is on screen (clean views skip).

        The timeline's full redraws keep their pace during the run; the ``final`` frame draws
        everything the run left.
        """
        if self._lines:
            lines, self._lines = self._lines, []
            self.output.append_lines(lines)
        if self.timing.isVisible():
            self.timing.refresh_shown()
        if self.timeline.isVisible() and final:
            self.timeline.refresh()
        elif self.timeline.isVisible():
            self.timeline.refresh_paced()
        self._update_progress()

    def _update_progress(self) -> None:
        seconds = self._elapsed.elapsed() / 1000 if self._elapsed.isValid() else 0.0
        if self._total > 0:
            if self.progress.maximum() != self._total:
                self.progress.setRange(0, self._total)
            self.progress.setValue(min(self._done, self._total))
            which = f"measurement {self._measurements} · " if self._measurements > 1 else ""
            text = (
                f"{self._state} · {which}{self._done:,} / {self._total:,} tasks · {seconds:.1f} s"
            )
        else:
            text = f"{self._state} · {seconds:.1f} s"
        self.progress.setFormat(text)

    def reset_progress(self) -> None:
        """No run shown: the bar empty and saying so."""
        self._state = "Ready"
        self._elapsed.invalidate()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Ready")

    def finish(self, state: str, duration_s: float) -> None:
        """The final frame: everything drawn, the bar full (or as far as the run got)."""
        self._state = state.capitalize()
        self.timing.settle()
        self.timeline.settle()
        self.tick(final=True)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
            self.progress.setValue(1 if state == "completed" else 0)
        self.progress.setFormat(f"{self._state} in {duration_s:.2f} s")
