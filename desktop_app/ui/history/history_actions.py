"""History ▸ …: the History dock's behaviour: list, filter, open, rename, note, delete, export.

Every store call runs on a pool thread (:class:`BackgroundCalls`): a list query, a load (which
decodes up to a million spans), a write. Results come back as queued signals and only then
touch widgets. A list answer is used only if it is the newest asked for (``_generation``), so
typing fast never shows an older search's rows. Opening a run replays it through ui/replay.py
exactly as File ▸ Open run… does, marked "Saved run N (history)"; it is never saved again.
The store, the report and the replay are imported where used: the window imports this module
before its first paint, and they bring numpy and sqlite3 (tests/ui/test_history_autosave.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QInputDialog, QMenu, QMessageBox

from .history_view import HistoryPanel
from .run_history import RunHistory


class HistoryController(QObject):
    """Owns the History dock and the History menu's actions (``window.history_ui``)."""

    listed = Signal(int)  # rows now shown
    run_opened = Signal(int)
    changed = Signal(str)  # what was done, for the status bar
    failed = Signal(str)

    def __init__(self, window: Any, history: RunHistory, lessons: Sequence[str]) -> None:
        super().__init__(window)
        self.window, self.history = window, history
        self.panel = HistoryPanel(lessons)
        self.dock = QDockWidget("History", window)
        self.dock.setObjectName("historyDock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self._generation = 0
        self.compare_window: Any = None
        self._connect()

    def _connect(self) -> None:
        panel, buttons = self.panel, self.panel.buttons
        panel.filter_changed.connect(self.refresh)
        panel.table.selectionModel().selectionChanged.connect(panel.update_buttons)
        panel.table.doubleClicked.connect(lambda index: self.open_run(self._id_at(index.row())))
        self.dock.visibilityChanged.connect(self._on_dock_visibility_changed)
        self.history.runs_changed.connect(self._refresh_if_shown)
        self.history.save_failed.connect(lambda text: panel.show_banner(text))
        self.history.run_saved.connect(lambda _id: panel.show_banner(""))
        self.changed.connect(lambda text: self.window.statusBar().showMessage(text, 10000))
        self.failed.connect(self._on_failed)
        actions: dict[str, Callable[[], object]] = {
            "open": lambda: self.open_run(self.selected_ids()[0]),
            "compare": lambda: self.compare(sorted(self.selected_ids())),  # oldest: baseline
            "previous": lambda: self.compare_with_previous(self.selected_ids()[0]),
            "rename": lambda: self.ask_rename(self.selected_ids()[0]),
            "note": lambda: self.ask_note(self.selected_ids()[0]),
            "delete": lambda: self.ask_delete(self.selected_ids()),
            "report": lambda: self.ask_export_report(sorted(self.selected_ids())),
            "json": lambda: self.ask_export_json(self.selected_ids()[0]),
        }
        for key, call in actions.items():
            buttons[key].clicked.connect(lambda _=False, c=call: c())

    def fill_menu(self, menu: QMenu) -> None:
        """History: show the list, compare, export a report (additive to the window's menus)."""
        self.show_action = self.dock.toggleViewAction()
        self.show_action.setText("Show &history")
        self.show_action.setShortcut(QKeySequence("Ctrl+H"))
        self.show_action.setObjectName("showHistoryAction")
        self.window.addAction(self.show_action)
        self.previous_action = QAction("Compare with &previous run of this lesson", self.window)
        self.previous_action.setObjectName("comparePreviousAction")
        self.previous_action.triggered.connect(lambda: self.compare_with_previous(None))
        self.report_action = QAction("Export &report…", self.window)
        self.report_action.setObjectName("exportReportAction")
        self.report_action.triggered.connect(lambda: self.ask_export_report(self._report_ids()))
        menu.addActions([self.show_action, self.previous_action, self.report_action])

    # --- listing ---------------------------------------------------------------------------------

    def show(self) -> None:
        self.dock.show()
        self.dock.raise_()

    def refresh(self) -> None:
        """Ask the store for the rows the filters choose (on a pool thread)."""
        self._generation += 1
        generation, store = self._generation, self.history.store()
        lesson, search = self.panel.lesson_filter(), self.panel.search_text()
        self._start(
            lambda: store.list_runs(scenario=lesson, search=search),
            lambda runs: self._on_listed(generation, runs),
        )

    def _on_listed(self, generation: int, runs: list) -> None:
        if generation != self._generation:
            return  # an older query: a newer one is on its way
        self.panel.model.set_runs(runs)
        self.panel.show_runs()
        self.history.post_notices()  # a damaged file found by this query was moved aside
        self.listed.emit(len(runs))

    def _refresh_if_shown(self) -> None:
        if self.dock.isVisible():
            self.refresh()

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        if visible:
            self.refresh()

    def selected_ids(self) -> list[int]:
        return [self._id_at(row) for row in self.panel.selected_rows()]

    def select(self, run_ids: Sequence[int]) -> None:
        """Select these runs in the list (tests and 'compare with previous' use it)."""
        table, model = self.panel.table, self.panel.model
        table.clearSelection()
        mode = table.selectionMode()
        table.setSelectionMode(table.SelectionMode.MultiSelection)
        for run_id in run_ids:
            if (row := model.row_of(run_id)) >= 0:
                table.selectRow(row)
        table.setSelectionMode(mode)

    def _listed_run(self, run_id: int) -> Any:
        row = self.panel.model.row_of(run_id)
        return self.panel.model.run_at(row) if row >= 0 else None

    def _id_at(self, row: int) -> int:
        return self.panel.model.run_at(row).id

    def _start(self, call: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.history.calls.start(call, done, self.failed.emit)

    def _on_failed(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 15000)
        self.panel.show_banner(text)

    # --- one run ---------------------------------------------------------------------------------

    def open_run(self, run_id: int) -> bool:
        """Load the run on a pool thread, then replay it in every view, marked as saved."""
        if self.window.is_running():
            self.window.statusBar().showMessage("Wait for the run to end, then open it", 6000)
            return False
        from ...history.saved_report import report_from_saved
        from ..replay import with_why

        store = self.history.store()
        self.window.statusBar().showMessage(f"Opening saved run {run_id}…")
        self._start(
            lambda: with_why(report_from_saved(store.load(run_id))),
            lambda report: self._on_loaded(run_id, report),
        )
        return True

    def _on_loaded(self, run_id: int, report: Any) -> None:
        from ..replay import replay_into

        window = self.window
        if window.is_running():
            return  # a run started meanwhile: it owns the views
        if report.scenario in window.scenario_ids():
            window.select_scenario(report.scenario)
        replay_into(window, report, f"{run_id} (history)")
        window.exports.update_enabled()
        window.run_finished.emit(report)
        self.run_opened.emit(run_id)

    def set_label(self, run_id: int, label: str) -> None:
        store = self.history.store()
        self._start(
            lambda: store.set_label(run_id, label), lambda _: self._done(f"Run {run_id} renamed")
        )

    def set_note(self, run_id: int, note: str) -> None:
        store = self.history.store()
        self._start(
            lambda: store.set_note(run_id, note),
            lambda _: self._done(f"Note saved on run {run_id}"),
        )

    def delete(self, run_ids: Sequence[int]) -> None:
        store, ids = self.history.store(), list(run_ids)
        names = ", ".join(map(str, ids))
        self._start(lambda: _delete_all(store, ids), lambda _: self._done(f"Deleted run {names}"))

    def _done(self, text: str) -> None:
        self.changed.emit(text)
        self.history.runs_changed.emit()

    def ask_rename(self, run_id: int) -> None:
        current = getattr(self._listed_run(run_id), "label", "")
        label, ok = QInputDialog.getText(
            self.window, "Rename run", f"Label of run {run_id}:", text=current
        )
        if ok:
            self.set_label(run_id, label.strip())

    def ask_note(self, run_id: int) -> None:
        current = getattr(self._listed_run(run_id), "note", "")
        note, ok = QInputDialog.getMultiLineText(
            self.window, "Note", f"Note on run {run_id}:", current
        )
        if ok:
            self.set_note(run_id, note.strip())

    def ask_delete(self, run_ids: Sequence[int]) -> None:
        if not run_ids:
            return
        names = ", ".join(map(str, run_ids))
        answer = QMessageBox.question(
            self.window,
            "Delete saved runs?",
            f"Delete run {names} from the history? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete(run_ids)

    # --- exports and comparisons -----------------------------------------------------------------

    def export_report(self, run_ids: Sequence[int], path: str) -> None:
        """The HTML report of one run, or a comparison with the first (on a pool thread)."""
        from ...history.html_report import from_saved, write_html

        store, ids = self.history.store(), list(run_ids)
        self._start(
            lambda: write_html([from_saved(store.load(i)) for i in ids], path),
            lambda written: self.changed.emit(f"Report written to {written}"),
        )

    def export_json(self, run_id: int, path: str) -> None:
        store = self.history.store()
        self._start(
            lambda: store.export_json(run_id, path),
            lambda written: self.changed.emit(f"Run {run_id} written to {written}"),
        )

    def _report_ids(self) -> list[int]:
        ids = sorted(self.selected_ids()) if self.dock.isVisible() else []
        last = self.history.last_saved_id
        return ids or ([last] if last is not None else [])

    def ask_export_report(self, run_ids: Sequence[int]) -> None:
        if not run_ids:
            self.window.statusBar().showMessage("Choose runs in History (Ctrl+H) first", 8000)
            return
        name = f"run-{'-'.join(map(str, run_ids))}.html"
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Export report", name, "HTML report (*.html)"
        )
        if path:
            self.export_report(
                run_ids, path if path.lower().endswith((".html", ".htm")) else path + ".html"
            )

    def ask_export_json(self, run_id: int) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Export run", f"run-{run_id}.json", "JSON run report (*.json)"
        )
        if path:
            self.export_json(run_id, path)

    def compare(self, run_ids: Sequence[int]) -> Any:
        """Open (or reuse) the Compare window on these runs; the first is the baseline."""
        from .compare_view import CompareWindow

        if len(run_ids) < 2:
            self.window.statusBar().showMessage("Choose two or more runs to compare", 8000)
            return None
        if self.compare_window is None:
            self.compare_window = CompareWindow(self.history, self.window)
        self.compare_window.load(list(run_ids))
        self.compare_window.show()
        self.compare_window.raise_()
        return self.compare_window

    def compare_with_previous(self, run_id: int | None) -> None:
        """This run (default: the last one saved) against its lesson's run saved before it."""
        run_id = run_id if run_id is not None else self.history.last_saved_id
        if run_id is None:
            self.window.statusBar().showMessage("No saved run yet: make a run first", 8000)
            return
        store = self.history.store()
        self._start(
            lambda: store.previous_run(run_id), lambda prev: self._on_previous(run_id, prev)
        )

    def _on_previous(self, run_id: int, previous: Any) -> None:
        if previous is None:
            self.failed.emit(f"Run {run_id} has no earlier run of the same lesson to compare with")
        else:
            self.compare([previous.id, run_id])


def _delete_all(store: Any, run_ids: Sequence[int]) -> int:
    for run_id in run_ids:
        store.delete(run_id)
    return len(run_ids)
