"""The main window: choose a lesson's scenario, read its code, run it, watch and keep the result.

Work runs in the run host process, driven from ``QThreadPool`` through the bridge; the engine's
batched events only update model data here, and a ~30 Hz timer redraws, so the window stays responsive during any run. One run
at a time: a second Run while one runs is refused with a reason, never interleaved.

With ``defer_views`` (the app does this) the window paints first and builds its plot views just
after, a step per event-loop turn: see window_layout.py for why.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox

from ..engine.executors.base import check_pool_size
from ..engine.host.client import RunHost
from ..engine.outputs.report import RunReport
from ..engine.records import ErrorRecord
from ..scenarios.base import ParamError, Scenario
from ..scenarios.registry import all_scenarios, get_scenario
from .bridge import RunRequest, RunWorker
from .export.export_actions import ExportController
from .panels.status_bar import StatusBar
from .run_feed import RunFeed
from .settings_store import MAX_REPEATS, SettingsStore, make_settings
from .window_layout import WindowLayout

FRAME_MS = 33  # ~30 redraws a second at most, whatever the event rate
STATUS_MS = 1000
CLOSE_WAIT_S = 1.5  # closing during a run: the engine kills process workers well within this
# The run host and its workers yield the CPU to the GUI thread. With 8 workers on 2 cores a
# frame's wall time was 1.3-2.5 times its CPU time at nice 5 (CFS weight 335 against the GUI's
# 1024); at 15 (weight 36) the timeline's p99 gap fell in 6 of 7 alternating A/B rounds
# (docs/benchmarks.md). The workers lose no CPU time to it: the GUI uses what it uses either way,
# it only gets it sooner.
WORKER_NICE = 15


def window_host() -> RunHost:
    """The window's run host: the engine in a process of its own, niced (see run_host.py)."""
    return RunHost(nice=WORKER_NICE)


class MainWindow(QMainWindow):
    """The Concurrency Lab window; the public methods are what tests and the smoke test drive."""

    run_started = Signal(str)
    run_finished = Signal(object)
    first_painted = Signal()  # the window's first frame is on screen
    views_ready = Signal()  # every plot view is built (at once unless deferred)

    def __init__(
        self,
        host: RunHost | None = None,
        settings: QSettings | None = None,
        defer_views: bool = False,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Concurrency Lab")
        self.host = host if host is not None else window_host()
        self.last_report: RunReport | None = None
        self.last_refusal = ""
        self._store = SettingsStore(settings if settings is not None else make_settings())
        self._scenarios = {s.id: s for s in all_scenarios()}
        self._scenario: Scenario | None = None
        self._worker: RunWorker | None = None
        self._views_announced = False
        self.ui = WindowLayout(self, list(self._scenarios.values()), defer_views)
        self.feed = RunFeed(self.ui, self.ui.errors, self.ui.output, self.ui.controls.progress)
        self.setStatusBar(StatusBar(self))
        self.exports = ExportController(
            self,
            self._store,
            self._plot_to_export,
            lambda: self.last_report,
            lambda: self._scenario.id if self._scenario else "",
        )
        self._build_menus()
        self._connect()
        self._frame_timer = QTimer(self, interval=FRAME_MS)
        self._frame_timer.timeout.connect(self.feed.tick)
        self._status_timer = QTimer(self, interval=STATUS_MS)
        self._status_timer.timeout.connect(self._update_pool_status)
        self._status_timer.start()
        self._view_steps = self.ui.view_steps()
        self._restore()
        if defer_views:  # the app's way: once the window is up, start the run host behind it
            self.views_ready.connect(self.warm_up_host)
        self.ui.main.installEventFilter(self)  # its first Paint event is the window's first frame

    # --- construction ---------------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        quit_action = QAction("&Quit", self, shortcut=QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        run_menu = bar.addMenu("&Run")
        self.run_action = QAction("&Run", self, shortcut=QKeySequence("Ctrl+R"))
        self.run_action.setObjectName("runAction")
        self.run_action.triggered.connect(self.start_run)
        self.cancel_action = QAction("&Cancel", self, shortcut=QKeySequence(Qt.Key.Key_Escape))
        self.cancel_action.setObjectName("cancelAction")
        self.cancel_action.triggered.connect(self.cancel_run)
        self.cancel_action.setEnabled(False)
        run_menu.addActions([self.run_action, self.cancel_action])
        self.exports.fill_menu(bar.addMenu("&Export"))
        self.addAction(self.exports.export_action)  # Ctrl+E works with the menu closed
        help_menu = bar.addMenu("&Help")
        help_menu.addAction("&About Concurrency Lab", self._show_about)

    def _connect(self) -> None:
        ui = self.ui
        ui.chooser.scenario_selected.connect(self._on_chooser_scenario_selected)
        ui.controls.run_requested.connect(self.start_run)
        ui.controls.cancel_requested.connect(self.cancel_run)
        ui.errors.count_changed.connect(self._on_errors_count_changed)

    def _restore(self) -> None:
        """Geometry, splitters and the last scenario; anything unreadable falls back."""
        geometry = self._store.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        self.ui.restore_splitters(self._store)
        first = next(iter(self._scenarios), None)
        chosen = self._store.last_scenario(set(self._scenarios)) or first
        if chosen:
            self.select_scenario(chosen)

    # --- the first frame, then the plot views ----------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if watched is self.ui.main and event.type() == QEvent.Type.Paint:
            self.ui.main.removeEventFilter(self)
            # Queued: runs once this frame is painted and flushed to the screen.
            QTimer.singleShot(0, self._on_first_frame)
        return super().eventFilter(watched, event)

    def _on_first_frame(self) -> None:
        self.first_painted.emit()
        self._next_view_step()

    def _next_view_step(self) -> None:
        """Build one more piece of the plot views, then let the event loop run before the next."""
        if self._view_steps:
            self._view_steps.pop(0)()
        if self._view_steps:
            QTimer.singleShot(0, self._next_view_step)
        elif not self._views_announced:
            self._views_announced = True
            self.views_ready.emit()

    def warm_up_host(self) -> None:
        """Start the run host on a pool thread, so the first Run finds it ready."""
        QThreadPool.globalInstance().start(self._start_host_quietly)

    def _start_host_quietly(self) -> None:
        try:
            self.host.start()
        except Exception:  # a Run starts it again and reports why it cannot
            pass

    def ensure_views(self) -> None:
        """Build whatever is left of the plot views now (a run or an export needs them)."""
        while self._view_steps:
            self._next_view_step()

    def views_built(self) -> bool:
        return self.ui.views_built()

    def _plot_to_export(self) -> Any:
        plot = self.ui.timing_plot
        plot.refresh()  # a hidden plot may not have drawn the last measurement yet
        return plot.plot_item()

    # --- scenario and settings ------------------------------------------------------------------

    def select_scenario(self, scenario_id: str) -> None:
        """Show a scenario (raises UnknownScenarioError for an unknown id)."""
        get_scenario(scenario_id)
        if self._scenario is not None and self._scenario.id == scenario_id:
            return
        self.ui.chooser.select(scenario_id)

    def _on_chooser_scenario_selected(self, scenario_id: str) -> None:
        if self._scenario is not None:
            self._save_scenario_settings()
        scenario = self._scenarios[scenario_id]
        self._scenario = scenario
        store, controls = self._store, self.ui.controls
        self.ui.info.show_scenario(scenario)
        self.ui.params.set_scenario(scenario, store.params(scenario))
        default_size = scenario.pool_sizes[0] if scenario.pool_sizes else 2
        size = store.pool_size(scenario, default_size)
        if size > controls.slider.maximum():
            size = default_size if default_size <= controls.slider.maximum() else 1
        controls.set_pool_size(size)
        controls.set_pool_sizes_text(", ".join(map(str, store.pool_sizes(scenario))))
        controls.set_repeats(store.repeats(scenario))
        controls.set_sweeping(scenario.sweeps)
        self._store.set_last_scenario(scenario_id)

    def _save_scenario_settings(self) -> None:
        scenario, controls = self._scenario, self.ui.controls
        if scenario is None:
            return
        self._store.set_params(scenario, self.ui.params.values())
        self._store.set_pool_size(scenario, controls.pool_size())
        if controls.pool_sizes():
            self._store.set_pool_sizes(scenario, controls.pool_sizes())
        self._store.set_repeats(scenario, controls.repeats())

    def current_scenario(self) -> Scenario | None:
        return self._scenario

    def set_param(self, name: str, value: Any) -> None:
        """Set a parameter of the shown scenario; ParamError (one line) when invalid."""
        self.ui.params.set_value(name, value)

    def set_pool_size(self, size: int) -> None:
        size = check_pool_size(size)
        slider = self.ui.controls.slider
        if size > slider.maximum():
            slider.setMaximum(size)
        self.ui.controls.set_pool_size(size)

    def set_pool_sizes(self, sizes: tuple[int, ...]) -> None:
        checked = [check_pool_size(size) for size in sizes]
        if not checked:
            raise ParamError("give at least one pool size")
        self.ui.controls.set_pool_sizes_text(", ".join(map(str, checked)))

    def set_repeats(self, repeats: int) -> None:
        if (
            isinstance(repeats, bool)
            or not isinstance(repeats, int)
            or not 1 <= repeats <= MAX_REPEATS
        ):
            raise ParamError(f"repeats must be a whole number from 1 to {MAX_REPEATS}")
        self.ui.controls.set_repeats(repeats)

    # --- running --------------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self._worker is not None

    def start_run(self) -> bool:
        """Start the shown scenario; False (reason in ``last_refusal`` and the status bar) if not."""
        reason = self.ui.controls.refusal() if self._scenario else "Choose a scenario first"
        if self._worker is not None:
            reason = "A run is in progress: wait for it or cancel it (Esc)"
        if reason:
            self.last_refusal = reason
            self.statusBar().showMessage(reason, 6000)
            return False
        request = self._request()
        self.ensure_views()
        self._save_scenario_settings()
        worker = RunWorker(request, self.host)
        worker.signals.events_received.connect(self.feed.apply)
        worker.signals.run_finished.connect(self._on_worker_run_finished)
        worker.signals.run_failed.connect(self._on_worker_run_failed)
        self._worker = worker
        self.last_refusal = ""
        self.feed.begin(request.repeats, request.pool_sizes)
        self.ui.results.clear()
        self.ui.show_run_tabs(request.scenario.sweeps)
        self._set_busy(True)
        self.statusBar().showMessage(f"Running {request.scenario.title}…")
        worker.start()
        self.run_started.emit(request.scenario.id)
        return True

    def _request(self) -> RunRequest:
        scenario = self._scenario
        assert scenario is not None
        controls = self.ui.controls
        sizes = controls.pool_sizes() if scenario.sweeps else (controls.pool_size(),)
        params = scenario.resolve(self.ui.params.values())
        return RunRequest(scenario, params, sizes, controls.repeats())

    def cancel_run(self) -> None:
        """Ask the run to stop; process workers are killed, and run_finished follows."""
        if self._worker is None:
            return
        self._worker.cancel()
        self.feed.set_state("Cancelling")
        self.statusBar().showMessage("Cancelling…")

    def _set_busy(self, busy: bool) -> None:
        self.ui.controls.set_busy(busy)
        self.run_action.setEnabled(not busy)
        self.cancel_action.setEnabled(busy)
        if busy:
            self.ui.cpu_view.start()
            self._frame_timer.start()
        else:
            self._frame_timer.stop()
            self.ui.cpu_view.stop()

    def _on_worker_run_finished(self, report: RunReport) -> None:
        """The run's last frame now; the report's table and the rest in the next turn of the
        event loop. Both in one slot held the GUI thread 12-20 ms after 100,000 tasks
        (gui_latency.py): split, input and the final paint get in between. The window stays
        busy (Run refused) until the second half, so a new run cannot meet the old report."""
        self.last_report = report
        self._frame_timer.stop()
        self.feed.finish(report.state, report.duration_s)
        # 1 ms, not 0: a 0 ms single shot is a posted call, run before any timer or input
        # that is waiting; a timer takes its turn after them.
        QTimer.singleShot(1, self, functools.partial(self._show_finished_run, report))

    def _show_finished_run(self, report: RunReport) -> None:
        self._worker = None
        self._set_busy(False)
        self.ui.results.show_report(report)
        tail = [f"— run {report.state} in {report.duration_s:.2f} s —"]
        self.ui.output.append_lines(tail + [f"Note: {note}" for note in report.notes])
        errors = f", {len(report.errors)} error(s)" if report.errors else ""
        self.statusBar().showMessage(
            f"{report.scenario}: {report.state} in {report.duration_s:.2f} s{errors}", 15000
        )
        self._update_pool_status()
        self.run_finished.emit(report)

    def _on_worker_run_failed(self, text: str) -> None:
        """A bug outside the scenario (the engine itself): still a record and a finished run."""
        request = self._worker.request if self._worker else None  # cleared when shown
        lines = text.strip().splitlines()
        record = ErrorRecord(
            origin="thread",
            type=lines[-1].split(":")[0] if lines else "Error",
            message=lines[-1] if lines else "",
            traceback=text,
            worker="run thread",
            pid=os.getpid(),
            context="window",
        )
        report = RunReport(
            request.scenario.id if request else "",
            dict(request.params) if request else {},
            request.pool_sizes if request else (),
            request.repeats if request else 1,
            state="failed",
            errors=[record],
        )
        self.ui.errors.add_records([record])
        self._on_worker_run_finished(report)

    # --- errors, status, export -----------------------------------------------------------------

    def add_error_record(self, record: ErrorRecord) -> None:
        """For the app's excepthooks: an uncaught error anywhere lands in the console."""
        self.ui.errors.add_records([record])

    def error_records(self) -> list[ErrorRecord]:
        return self.ui.errors.records()

    def _on_errors_count_changed(self, count: int) -> None:
        self.ui.set_error_count(count)

    def _update_pool_status(self) -> None:
        status = self.statusBar()
        if isinstance(status, StatusBar):
            status.set_pools(self.host.describe())

    def export(self, key: str, path: str) -> list:
        """Export without a dialog: png, svg, csv, json or trace (raises on failure)."""
        return self.exports.export(key, path)

    def _show_about(self) -> None:
        QMessageBox.about(
            self,
            "About Concurrency Lab",
            "<b>Concurrency Lab</b><p>Classic Python concurrency lessons as runnable, measured "
            "and visual experiments: threads, processes, pools, locks, queues and errors.</p>",
        )

    # --- closing --------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override
        """Save the settings, cancel a run and stop every worker before the window goes."""
        self._save_scenario_settings()
        self._store.save_window(self.saveGeometry(), self.saveState(), self.ui.splitter_states())
        self._store.sync()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Cancel any run, wait briefly for it, stop the timers and the run host."""
        worker, self._worker = self._worker, None  # nothing runs in a closed window
        if worker is not None:
            worker.cancel()
            worker.wait(CLOSE_WAIT_S)
        self._frame_timer.stop()
        self._status_timer.stop()
        self._view_steps.clear()
        if self.ui.view_built("cpu"):
            self.ui.cpu_view.stop()
        self.host.shutdown()
