"""The main window: choose a lesson's scenario, read its code, run it, watch and keep the result.

The run's life (start, frames, cancel, finish, close) is in run_lifecycle.py, the menus in
menus.py and the widgets in window_layout.py; this module ties them to the lesson shown.

With ``defer_views`` (the app does this) the window paints first and builds its plot views just
after, a step per event-loop turn: see window_layout.py for why.
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

from ..engine.host.client import RunHost
from ..engine.limits import REPEATS_RANGE, check_pool_size, is_repeats
from ..engine.outputs.report import RunReport
from ..engine.pythons import PythonInfo
from ..engine.records import ErrorRecord
from ..scenarios.base import ParamError, Preset, Scenario
from ..scenarios.registry import all_scenarios, get_scenario
from .bridge import RunWorker
from .cluster_setting import SchedulerSetting
from .export.export_actions import ExportController
from .history.history_actions import HistoryController
from .history.run_history import RunHistory
from .menus import WindowMenus
from .panels.status_bar import StatusBar
from .run_feed import RunFeed
from .run_lifecycle import CLOSE_WAIT_S, RunLifecycle
from .settings_store import SettingsStore, make_settings
from .window_layout import WindowLayout

__all__ = ["CLOSE_WAIT_S", "MainWindow", "window_host"]

FRAME_MS = 33  # ~30 redraws a second at most, whatever the event rate
STATUS_MS = 1000
DEFAULT_SIZE = (1280, 800)
# Below this the side panel, the lesson text and the tabs no longer all fit; every text stays
# reachable down to it (scroll bars, word wrap, tooltips): tests/ui/test_window_text.py.
MINIMUM_SIZE = (760, 540)
# The run host and its workers yield the CPU to the GUI thread. With 8 workers on 2 cores a
# frame's wall time was 1.3-2.5 times its CPU time at nice 5 (CFS weight 335 against the GUI's
# 1024); at 15 (weight 36) the timeline's p99 gap fell in 6 of 7 alternating A/B rounds
# (docs/benchmarks.md). The workers lose no CPU time to it: the GUI uses what it uses either way,
# it only gets it sooner.
WORKER_NICE = 15


def window_host() -> RunHost:
    """The window's run host: the engine in a process of its own, niced (see run_host.py)."""
    return RunHost(nice=WORKER_NICE)


class MainWindow(RunLifecycle, QMainWindow):
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
        self.setMinimumSize(*MINIMUM_SIZE)
        self.host = host if host is not None else window_host()
        self.last_report: RunReport | None = None
        self.last_refusal = ""
        self.run_caption = ""  # the last run's name (lesson, parameters, time)
        self._shown_run = ""  # the lesson whose run the plots, table and progress show
        self._asking_close = False
        self._store = SettingsStore(settings if settings is not None else make_settings())
        self._scenarios = {s.id: s for s in all_scenarios()}
        self._scenario: Scenario | None = None
        self._worker: RunWorker | None = None
        self._views_announced = False
        self.ui = WindowLayout(self, list(self._scenarios.values()), defer_views)
        self.feed = RunFeed(self.ui, self.ui.errors, self.ui.output, self.ui.controls.progress)
        self.setStatusBar(StatusBar(self))
        self.saved_run_path = ""  # the file of the saved run the views show ("" for a live run)
        self.exports = ExportController(
            self,
            self._store,
            self.ui,
            lambda: self.last_report,
            lambda: self._scenario.id if self._scenario else "",
        )
        self.history = RunHistory(self)
        self.finished_message = ""
        self.history.run_saved.connect(self._on_history_run_saved)
        self.history.save_failed.connect(self._on_history_save_failed)
        self.history.calls.crashed.connect(self.add_error_record)  # a bug's traceback
        self.history.notice_posted.connect(self._on_history_notice_posted)
        self.history_ui = HistoryController(self, self.history, list(self._scenarios))
        self.scheduler_setting = SchedulerSetting(self, self._store.qsettings)
        self.menus = WindowMenus(self)
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
            self.views_ready.connect(self._prepare_lessons)
        self.ui.main.installEventFilter(self)  # its first Paint event is the window's first frame

    # --- construction ---------------------------------------------------------------------------

    def _build_file_menu(self, menu: QMenu) -> None:
        """File: run files and exports go above Quit."""
        self._fill_file_menu(menu)
        menu.addSeparator()
        self.quit_action = QAction("&Quit", self, shortcut=QKeySequence("Ctrl+Q"))
        self.quit_action.setObjectName("quitAction")
        self.quit_action.triggered.connect(self._on_quit_triggered)
        menu.addAction(self.quit_action)

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
            self.resize(*DEFAULT_SIZE)
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

    def _prepare_lessons(self, remaining: list[Scenario] | None = None) -> None:
        """Each lesson's highlighted code, one per event-loop turn, so choosing one is quick."""
        if remaining is None:
            remaining = list(self._scenarios.values())
        if remaining:
            self.ui.info.prepare(remaining.pop(0))
            # With the window as context: a window closed meanwhile cancels the rest.
            QTimer.singleShot(0, self, functools.partial(self._prepare_lessons, remaining))

    def warm_up_host(self) -> None:
        """Start the run host (and load the history's store) on pool threads, so the first
        Run finds it ready and its save imports nothing on the GUI thread."""
        QThreadPool.globalInstance().start(self._start_host_quietly)
        self.history.warm_up()

    @property
    def settings_store(self) -> SettingsStore:
        """Where the window keeps what it remembers across starts."""
        return self._store

    def use_python(self, info: PythonInfo) -> bool:
        """Run the next runs under ``info`` (Run ▸ Python interpreter); refused mid-run. The
        run host is replaced on a pool thread, now, so the next Run finds it ready."""
        if self.is_running():
            self.statusBar().showMessage(
                "A run is in progress: choose the interpreter after it ends", 6000
            )
            return False
        self.host.use_python(None if info.source == "this" else info.path)
        self.ui.params.set_own_python(info.source == "this")
        status = self.statusBar()
        if isinstance(status, StatusBar):
            status.set_interpreter(info)
        self.ui.timeline.set_interpreter(f"{info.short} · GIL verdict after a run")
        self.warm_up_host()
        return True

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

    # --- scenario and settings ------------------------------------------------------------------

    def select_scenario(self, scenario_id: str) -> None:
        """Show a scenario (raises UnknownScenarioError for an unknown id)."""
        if scenario_id not in self._scenarios:  # a lesson, or an experiment opened here
            get_scenario(scenario_id)
        if self._scenario is not None and self._scenario.id == scenario_id:
            return
        self.ui.chooser.select(scenario_id)

    def _on_chooser_scenario_selected(self, scenario_id: str) -> None:
        if self._scenario is not None:
            self._save_scenario_settings()
        scenario = self._scenarios[scenario_id]
        self._scenario = scenario
        self.ui.info.show_scenario(scenario)
        self.ui.params.set_scenario(scenario, self._store.params(scenario))
        self._show_run_settings(scenario, use_store=True)
        self.ui.set_views_used(scenario.views)
        self.menus.fill_presets(self.menus.presets_menu, scenario.presets, self.apply_preset)
        self.menus.fill_presets(self.ui.presets_menu, scenario.presets, self.apply_preset)
        self.ui.presets_button.setEnabled(bool(scenario.presets))
        if self._shown_run and self._shown_run != scenario_id and not self.is_running():
            self._clear_run_views(scenario)
        self._store.set_last_scenario(scenario_id)

    def _show_run_settings(self, scenario: Scenario, use_store: bool) -> None:
        """Pool size, sweep sizes and repeats: the saved ones, or the lesson's defaults."""
        store, controls = self._store, self.ui.controls
        default_size = scenario.pool_sizes[0] if scenario.pool_sizes else 2
        size = store.pool_size(scenario, default_size) if use_store else default_size
        if size > controls.slider.maximum():
            size = default_size if default_size <= controls.slider.maximum() else 1
        controls.set_pool_size(size)
        sizes = store.pool_sizes(scenario) if use_store else tuple(scenario.pool_sizes)
        controls.set_pool_sizes_text(", ".join(map(str, sizes)))
        controls.set_repeats(store.repeats(scenario) if use_store else max(1, scenario.repeats))
        controls.set_sweeping(scenario.sweeps)
        controls.set_fixed_pool(scenario.fixed_pool)

    def _clear_run_views(self, scenario: Scenario) -> None:
        """Another lesson's run must not look like this one's: clear what showed it."""
        self._shown_run = ""
        self.ui.clear_run_views()
        self.feed.reset_progress()
        self.ui.set_run_caption(
            f"No run of “{scenario.title}” yet: press Run (Ctrl+R). Output and Errors keep "
            "earlier runs, each under a header naming it."
        )

    def _save_scenario_settings(self) -> None:
        scenario, controls = self._scenario, self.ui.controls
        if scenario is None:
            return
        self._store.set_params(scenario, self.ui.params.values())
        self._store.set_pool_size(scenario, controls.pool_size())
        if controls.pool_sizes():
            self._store.set_pool_sizes(scenario, controls.pool_sizes())
        self._store.set_repeats(scenario, controls.repeats())

    def scenario_ids(self) -> set[str]:
        return set(self._scenarios)

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
        if not is_repeats(repeats):
            raise ParamError(f"repeats must be a whole number from {REPEATS_RANGE}")
        self.ui.controls.set_repeats(repeats)

    # --- presets and resets ---------------------------------------------------------------------

    def apply_preset(self, preset: Preset) -> None:
        """A lesson's "try this": its parameters over the defaults, and its pool size(s)."""
        scenario = self._scenario
        if scenario is None or self.is_running():
            return
        self.ui.params.apply_values(scenario.defaults() | dict(preset.params))
        if preset.pool_size is not None:
            self.set_pool_size(preset.pool_size)
        if preset.pool_sizes and scenario.sweeps:
            self.set_pool_sizes(preset.pool_sizes)
        self.statusBar().showMessage(f"Try this: {preset.name}. {preset.description}", 20000)

    def reset_parameters(self) -> None:
        """The shown lesson's parameters, pool size(s) and repeats back to its defaults."""
        scenario = self._scenario
        if scenario is None or self.is_running():
            return
        self.ui.params.reset_to_defaults()
        self._show_run_settings(scenario, use_store=False)
        self.statusBar().showMessage(f"{scenario.title}: parameters reset to the defaults", 8000)

    def ask_reset_all_settings(self) -> None:
        answer = QMessageBox.question(
            self,
            "Reset all settings?",
            "Forget every lesson's parameters, the window's size and layout, and the export "
            f"folder?\n\nThey are kept in {self.settings_path()}.",
            QMessageBox.StandardButton.Reset | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Reset:
            self.reset_all_settings()

    def reset_all_settings(self) -> None:
        """Clear the settings file, and show the defaults now (not only at the next start)."""
        self._store.qsettings.clear()
        self._store.sync()
        self.resize(*DEFAULT_SIZE)
        self.ui.apply_default_sizes()
        if self._scenario is not None and not self.is_running():
            self.ui.params.reset_to_defaults()
            self._show_run_settings(self._scenario, use_store=False)
            self._store.set_last_scenario(self._scenario.id)
        self.statusBar().showMessage("All settings reset to the defaults", 8000)

    def settings_path(self) -> str:
        return self._store.qsettings.fileName()

    # --- errors, status, export -----------------------------------------------------------------

    def add_error_record(self, record: ErrorRecord) -> None:
        """For the app's excepthooks: an uncaught error anywhere lands in the console."""
        self.ui.errors.add_records([record])

    def error_records(self) -> list[ErrorRecord]:
        return self.ui.errors.records()

    def _on_errors_count_changed(self, total: int) -> None:
        self.ui.set_error_count(self.ui.errors.run_count(), total)

    def _update_pool_status(self) -> None:
        status = self.statusBar()
        if isinstance(status, StatusBar):
            status.set_pools(self.host.describe())

    def export(self, key: str, path: str) -> list:
        """Export without a dialog: png, svg, csv, json or trace (raises on failure)."""
        return self.exports.export(key, path)

    # --- saved runs: File ▸ Open run…, Save run…, Export ----------------------------------------

    def _fill_file_menu(self, menu: Any) -> None:
        from .replay import RunOpener

        self.opener = RunOpener(self, self._store)
        menu.addActions([self.opener.action, self.exports.save_action, self.exports.export_action])
        menu.addSeparator()
        self._fill_experiments_menu(menu)
        self.run_finished.connect(lambda _report: self.exports.update_enabled())
        self.run_started.connect(lambda _id: setattr(self, "saved_run_path", ""))

    def open_run(self, path: str) -> bool:
        """Show a saved run in every view (read in the background; see ui/replay.py)."""
        return self.opener.open(path)

    # --- the run history: every finished run saved (ui/history/) -------------------------------

    def _on_history_run_saved(self, run_id: int) -> None:
        """Adds the saved id to the run's own status message; a newer message (a saved run
        opened meanwhile, a preset) stays: the save of an older run must not cover it."""
        text = self.finished_message or "Run"
        if self.statusBar().currentMessage() not in ("", self.finished_message):
            return
        self.statusBar().showMessage(f"{text} · saved to the history as run {run_id}", 15000)

    def _on_history_notice_posted(self, notice: str) -> None:
        """A damaged database moved aside: said once, in the Output tab and the status bar."""
        text = notice[:1].upper() + notice[1:]
        self.ui.output.append_lines([f"— Run history: {text} —"])
        self.statusBar().showMessage(text, 30000)

    def _on_history_save_failed(self, message: str) -> None:
        self.statusBar().showMessage(message[:1].upper() + message[1:], 30000)

    def _show_about(self) -> None:
        self.menus.show_about()

    # --- my experiments: File ▸ Open experiment…, New experiment… (ui/experiment_files.py) -----

    def _fill_experiments_menu(self, menu: Any) -> None:
        from .experiment_files import ExperimentFiles

        self.experiments = ExperimentFiles(self, self._store)
        menu.addActions(self.experiments.actions())
        menu.addSeparator()

    def add_experiment(self, scenario: Scenario) -> None:
        """Show (or update) a user's experiment in the chooser under "My experiments"."""
        self._scenarios[scenario.id] = scenario
        self.ui.chooser.add_scenario(scenario)
        self.ui.info.forget(scenario.id)
        if self._scenario is not None and self._scenario.id == scenario.id:
            self._scenario = scenario  # the next run uses the file as it is now

    def show_scenario_again(self) -> None:
        """Show the current scenario's text and code anew (its file changed)."""
        if self._scenario is not None:
            self.ui.info.show_scenario(self._scenario)
