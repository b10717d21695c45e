"""Showing a saved run: every view of the window filled from a report, marked as a saved run.

A report read back from JSON (engine/outputs/saved_runs.py) is fed to the window's views
through the same :class:`RunFeed` a live run uses, as the events the run would have sent
(run started, each measurement with its spans, output lines, error records, run finished), so
the timing plot, the timeline, the results table, the output, the errors and the status show
what they showed when the run ended, drawn by the same code. The CPU view has no samples in a
report and keeps what it shows.

Reading the file happens on a thread of its own (:class:`SavedRunLoader`): a big run's JSON
takes seconds to parse, and the window keeps answering meanwhile.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog

from ..engine.events import (
    ErrorRaised,
    LocksRecorded,
    MeasurementFinished,
    MeasurementStarted,
    OutputLine,
    RunStarted,
    TasksFinished,
)
from ..engine.outputs.report import RunReport
from ..engine.outputs.saved_runs import SavedRunError, read_report
from ..engine.why_not import why_of
from ..scenarios.registry import all_scenarios


class SavedRunLoader(QObject):
    """Reads a saved run on a thread; ``loaded(report, path)`` or ``failed(message)`` follows."""

    loaded = Signal(object, str)
    failed = Signal(str)

    def __init__(self, path: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self._thread = threading.Thread(target=self._read, name="open-run", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _read(self) -> None:
        try:
            report = read_report(self.path)
            with_why(report)  # here, off the GUI thread
        except SavedRunError as exc:
            self.failed.emit(f"{Path(self.path).name} is not a run this version can open: {exc}")
        except OSError as exc:
            self.failed.emit(f"Cannot read {self.path}: {exc.strerror or exc}")
        else:
            self.loaded.emit(report, self.path)


def with_why(report: RunReport) -> RunReport:
    """``report`` with its "Why not N×" words and bars made again (a saved run keeps neither:
    they are made from its spans). Call it off the GUI thread: a million spans take a while."""
    report.why, report.why_bars = why_of(report)
    return report


def replay_events(report: RunReport) -> list[Any]:
    """The events a live run of ``report`` would have sent, in order."""
    events: list[Any] = [
        RunStarted(
            report.scenario, dict(report.params), report.pool_sizes, report.repeats, report.origin
        )
    ]
    for entry in report.runs:
        m = entry.measurement
        key = (m.series, m.backend, m.pool_size, m.repeat)
        events.append(MeasurementStarted(*key, total=m.task_count, bound=m.bound))
        if len(entry.spans):
            events.append(TasksFinished(*key, spans=entry.spans))
        if entry.locks:
            events.append(LocksRecorded(*key, locks=entry.locks))
        events.append(MeasurementFinished(m))
    events.extend(OutputLine(line, "main") for line in report.output)
    events.extend(ErrorRaised(record) for record in report.errors)
    return events


def saved_run_label(report: RunReport, path: str) -> str:
    return f"Saved run {Path(path).name}: {report.scenario} {report.state} in {report.duration_s:.2f} s"


def replay_into(window: Any, report: RunReport, path: str) -> None:
    """Fill every view of ``window`` from ``report`` and mark it as the saved run ``path``."""
    ui, feed = window.ui, window.feed
    window.ensure_views()
    ui.errors.clear()
    ui.output.clear()
    ui.results.clear()
    feed.begin(report.repeats, report.pool_sizes)
    ui.output.append_lines([f"— {saved_run_label(report, path)} —"])
    feed.apply(replay_events(report))
    feed.finish(report.state, report.duration_s)
    verdict = (report.environment.get("gil") or {}).get("summary")  # absent in older files
    python = report.environment.get("python", "?")
    ui.timeline.set_interpreter(f"Saved run · Python {python} · {verdict}" if verdict else "")
    ui.results.show_report(report)
    tail = [f"— run {report.state} in {report.duration_s:.2f} s —"]
    ui.output.append_lines(tail + [f"Note: {note}" for note in report.notes])
    if report.why:
        ui.output.append_lines(["Why not N×:", *report.why])
    ui.timing_plot.why.show_why(report.why_bars, report.why)
    ui.controls.progress.setFormat(
        f"Saved run · {report.state.capitalize()} in {report.duration_s:.2f} s"
    )
    ui.show_run_tabs(len(report.pool_sizes) > 1 or len(report.runs) > 1)
    errors = f", {len(report.errors)} error(s)" if report.errors else ""
    window.statusBar().showMessage(f"{saved_run_label(report, path)}{errors}", 15000)
    window.last_report = report
    window.saved_run_path = path


class RunOpener(QObject):
    """File ▸ Open run…: ask for a file, read it in the background, replay it in the window."""

    def __init__(self, window: Any, store: Any) -> None:
        super().__init__(window)
        self._window, self._store = window, store
        self.loader: SavedRunLoader | None = None
        self.action = QAction("&Open run…", window)
        self.action.setObjectName("openRunAction")
        self.action.setShortcut(QKeySequence.StandardKey.Open)
        self.action.setToolTip("Show a run saved with File ▸ Save run… or the CLI's --json")
        self.action.triggered.connect(self.open_with_dialog)

    def open_with_dialog(self) -> None:
        folder = self._store.export_folder() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self._window, "Open run", folder, "JSON run report (*.json);;All files (*)"
        )
        if path:
            self.open(path)

    def open(self, path: str) -> bool:
        """Start reading ``path``; False (reason in the status bar) while a run or another
        open is going: the views belong to it."""
        if self._window.is_running() or self.loader is not None:
            self._window.statusBar().showMessage(
                "Wait for the run to end, then open the file", 6000
            )
            return False
        loader = self.loader = SavedRunLoader(path, self)
        loader.loaded.connect(self._on_loader_loaded)
        loader.failed.connect(self._on_loader_failed)
        self._window.statusBar().showMessage(f"Opening {Path(path).name}…")
        loader.start()
        return True

    def _on_loader_loaded(self, report: RunReport, path: str) -> None:
        self.loader = None
        window = self._window
        if window.is_running():
            return  # a run started meanwhile: it owns the views
        if report.scenario in {s.id for s in all_scenarios()}:
            window.select_scenario(report.scenario)
        replay_into(window, report, path)
        window.exports.update_enabled()
        window.run_finished.emit(report)

    def _on_loader_failed(self, text: str) -> None:
        self.loader = None
        self._window.statusBar().showMessage(text, 10000)
        self._window.exports.show_failure(text)
