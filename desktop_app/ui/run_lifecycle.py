"""A run's life in the window: start, live frames, cancel, finish or fail, and closing.

A mixin of ``MainWindow`` (kept in its own module so each stays small): work runs in the run
host process, driven from ``QThreadPool`` through the bridge; the engine's batched events only
update model data, and a ~30 Hz timer redraws, so the window stays responsive during any run.
One run at a time: a second Run while one runs is refused with a reason, never interleaved.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QMessageBox

from ..engine.outputs.report import RunReport
from ..engine.records import ErrorRecord
from .bridge import RunRequest, RunWorker
from .cluster_setting import SchedulerSetting
from .viewmodels.run_caption import run_caption

if TYPE_CHECKING:
    from PySide6.QtCore import Signal
    from PySide6.QtWidgets import QMainWindow

    from ..engine.host.client import RunHost
    from ..scenarios.base import Scenario
    from .export.export_actions import ExportController
    from .history.run_history import RunHistory
    from .run_feed import RunFeed
    from .settings_store import SettingsStore
    from .window_layout import WindowLayout

    # For the type checker the mixin is the window it is mixed into (statusBar, close, ...);
    # at run time it is a plain mixin, and MainWindow's own bases give it QMainWindow.
    _WindowBase = QMainWindow
else:
    _WindowBase = object

CLOSE_WAIT_S = 1.5  # closing during a run: the engine kills process workers well within this


class RunLifecycle(_WindowBase):
    """Starting, cancelling, finishing and closing (methods of MainWindow)."""

    # What the mixin uses of MainWindow, set there (in __init__, or by WindowMenus for the
    # actions): declared here so both classes are checked against one definition.
    run_started: ClassVar[Signal]
    run_finished: ClassVar[Signal]
    host: RunHost
    ui: WindowLayout
    feed: RunFeed
    exports: ExportController
    history: RunHistory
    finished_message: str
    run_action: QAction
    cancel_action: QAction
    scheduler_action: QAction
    scheduler_setting: SchedulerSetting
    last_report: RunReport | None
    last_refusal: str
    run_caption: str
    _shown_run: str
    _asking_close: bool
    _store: SettingsStore
    _scenario: Scenario | None
    _worker: RunWorker | None
    _frame_timer: QTimer
    _status_timer: QTimer
    _view_steps: list[Callable[[], object]]

    if TYPE_CHECKING:  # MainWindow's own methods, which the run's life calls

        def ensure_views(self) -> None: ...

        def _save_scenario_settings(self) -> None: ...

        def _update_pool_status(self) -> None: ...

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
        scenario = request.scenario
        sizes = None if scenario.fixed_pool else request.pool_sizes
        unused = scenario.unused_params(request.params)  # not named: they changed nothing
        used = {name: value for name, value in request.params.items() if name not in unused}
        self.run_caption = run_caption(scenario.title, used, sizes, request.repeats, time.time())
        self.ui.output.begin_run(self.run_caption)
        self.ui.errors.begin_run(self.run_caption)
        self.feed.begin(request.repeats, request.pool_sizes)
        self.ui.results.clear()
        self.ui.set_run_caption(f"Running: {self.run_caption}")
        self._shown_run = request.scenario.id
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
        if scenario.fixed_pool:
            sizes = tuple(scenario.pool_sizes)  # the slider is disabled: the lesson's own
        params = scenario.resolve(self.ui.params.values())
        scheduler = self.scheduler_setting.address()  # only the dask kind reads it
        return RunRequest(scenario, params, sizes, controls.repeats(), scheduler=scheduler)

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

    def _show_run_environment(self, env: dict) -> None:
        """The run's interpreter and GIL verdict in the status bar and the timeline's header."""
        verdict = (env.get("gil") or {}).get("summary")
        if not verdict:
            return  # a run that failed before it started
        status = self.statusBar()
        if hasattr(status, "set_run_environment"):
            status.set_run_environment(env)
        self.ui.timeline.set_interpreter(f"Python {env.get('python', '?')} · {verdict}")

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
        if report.why:
            self.ui.output.append_lines(["Why not N×:", *report.why])
        self.ui.timing_plot.why.show_why(report.why_bars, report.why)
        # One count: the console's, for this run (the Errors tab says the same number).
        count = self.ui.errors.run_count()
        errors = f", {count} error{'s' if count != 1 else ''}" if count else ""
        self.finished_message = (
            f"{report.scenario}: {report.state} in {report.duration_s:.2f} s{errors}"
        )
        self.statusBar().showMessage(self.finished_message, 15000)
        self.history.save_report(report)  # on a pool thread; the status bar names its id
        self.ui.set_run_caption(
            f"Showing: {self.run_caption} — {report.state} in {report.duration_s:.2f} s"
        )
        self._update_pool_status()
        self._show_run_environment(report.environment)
        self.run_finished.emit(report)

    def _on_worker_run_failed(self, record: ErrorRecord) -> None:
        """A bug outside the scenario (the bridge or the run host): still a record, with its
        origin and traceback, and a finished run."""
        request = self._worker.request if self._worker else None  # cleared when shown
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

    # --- closing --------------------------------------------------------------------------------

    def _on_quit_triggered(self) -> None:
        """File → Quit: like the window's close button, it asks first while a run goes."""
        self._asking_close = True
        try:
            self.close()
        finally:
            self._asking_close = False

    def run_stop_text(self) -> str:
        """What closing now would stop, in words ('' when nothing runs)."""
        worker = self._worker
        if worker is None:
            return ""
        request = worker.request
        kinds = ", ".join(request.scenario.kinds) or "workers"
        size = max(request.pool_sizes) if request.pool_sizes else 0
        pool = f" (pools of up to {size} workers: {kinds})" if size else ""
        return (
            f"“{request.scenario.title}” is running{pool}. Closing cancels the run and stops "
            "its threads and worker processes; its results so far are lost."
        )

    def _confirm_close(self) -> bool:
        text = self.run_stop_text()
        if not text:
            return True
        answer = QMessageBox.question(
            self,
            "Stop the run and close?",
            text + "\n\nClose anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save the settings, cancel a run and stop every worker before the window goes.

        A user's close (the title bar's button, File → Quit) asks first while a run goes;
        a programmatic close (SIGTERM, tests, the smoke test) does not wait for an answer.
        """
        if (event.spontaneous() or self._asking_close) and not self._confirm_close():
            event.ignore()
            self.statusBar().showMessage("Still running: cancel it with Esc", 6000)
            return
        self._save_scenario_settings()
        self._store.save_window(self.saveGeometry(), self.ui.splitter_states())
        self._store.sync()
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Cancel any run, wait briefly for it, stop the timers and the run host."""
        worker, self._worker = self._worker, None  # nothing runs in a closed window
        self.exports.cancel(wait_s=1.0)  # an export in progress stops within a chunk
        self.history.wait()  # a save under way ends (it never touches the run)
        if worker is not None:
            worker.cancel()
            worker.wait(CLOSE_WAIT_S)
        self._frame_timer.stop()
        self._status_timer.stop()
        self._view_steps.clear()
        if self.ui.view_built("cpu"):
            self.ui.cpu_view.stop()
        self.host.shutdown()
