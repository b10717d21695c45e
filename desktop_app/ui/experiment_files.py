"""File ▸ Open experiment… and New experiment…: a user's own ``task(x)`` file as a scenario.

The window only *reads* the file (on a thread: :class:`ExperimentReader`) and parses it for its
docstring and code (``experiments.scenario.describe``); it never imports it. The run host and
its workers do that, so a file that crashes, hangs or loops forever fails a run, never the
window. Opened files are listed under "My experiments" in the chooser and remembered across
starts; a :class:`QFileSystemWatcher` notices an edit and offers to run again (or does, when
File ▸ Re-run experiments when their file changes is ticked).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..experiments.loader import ExperimentError, parse_target
from ..experiments.scenario import ExperimentInfo, describe, experiment_scenario
from ..experiments.template import write_template

SETTLE_MS = 300  # an editor's save is often several events (truncate, write, rename)


class ExperimentReader(QObject):
    """Reads and parses one file on a thread; ``read(info, why)`` or ``failed(path, text)``."""

    read = Signal(object, str)
    failed = Signal(str, str)

    def start(self, path: str, why: str) -> threading.Thread:
        thread = threading.Thread(
            target=self._read, args=(path, why), name="read-experiment", daemon=True
        )
        thread.start()
        return thread

    def _read(self, path: str, why: str) -> None:
        try:
            info = describe(parse_target(path))
        except ExperimentError as exc:
            self.failed.emit(path, str(exc))
        else:
            self.read.emit(info, why)


class ExperimentFiles(QObject):
    """The File menu's experiment actions, the chooser's "My experiments" and the watcher."""

    opened = Signal(str)  # a scenario id, once its file is read and shown in the chooser
    changed = Signal(str)  # a scenario id whose file was read again after an edit

    def __init__(self, window: Any, store: Any) -> None:
        super().__init__(window)
        self._window, self._store = window, store
        self._paths: dict[str, str] = {}  # path -> scenario id
        self._changed: set[str] = set()
        self._select_when_read = store.last_scenario_id()  # read before the window overwrites it
        self.offer: QMessageBox | None = None
        self.reader = ExperimentReader(self)
        self.reader.read.connect(self._on_reader_read)
        self.reader.failed.connect(self._on_reader_failed)
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._on_watcher_file_changed)
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self._on_settle_timeout)
        self.open_action = self._make("Open e&xperiment…", "openExperimentAction", self.ask_open)
        self.open_action.setToolTip("Measure your own task(x) from a .py file on every executor")
        self.new_action = self._make("&New experiment…", "newExperimentAction", self.ask_new)
        self.new_action.setToolTip("Write a commented template experiment to a folder, open it")
        self.rerun_action = self._make(
            "Re-run experiments when their file &changes", "rerunExperimentAction", None
        )
        self.rerun_action.setCheckable(True)
        self.rerun_action.setChecked(store.rerun_on_change())
        self.rerun_action.toggled.connect(store.set_rerun_on_change)
        QTimer.singleShot(0, self, self._restore)  # after the window restored its own state
        window.run_finished.connect(self._on_window_run_finished)

    def _make(self, text: str, name: str, slot: Any) -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(name)
        if slot is not None:
            action.triggered.connect(slot)
        return action

    def actions(self) -> list[QAction]:
        return [self.open_action, self.new_action, self.rerun_action]

    def _restore(self) -> None:
        for path in self._store.experiment_paths():
            self.reader.start(path, "restore")

    # --- opening and creating -------------------------------------------------------------------

    def ask_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._window, "Open experiment", self._folder(), "Python files (*.py);;All files (*)"
        )
        if path:
            self.open(path)

    def ask_new(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self._window, "Folder for the new experiment", self._folder()
        )
        if folder:
            self.create(folder)

    def _folder(self) -> str:
        paths = self._store.experiment_paths()
        return os.path.dirname(paths[-1]) if paths else str(Path.home())

    def create(self, folder: str) -> str:
        """Write the template into ``folder`` (a 1 kB file) and open it; its path, or ""."""
        try:
            path = str(write_template(folder))
        except OSError as exc:
            self._say(f"Cannot write the template into {folder}: {exc}")
            return ""
        self.open(path)
        return path

    def open(self, path: str) -> None:
        """Read ``path`` in the background; ``opened`` follows and the chooser selects it."""
        self._window.statusBar().showMessage(f"Reading {Path(path).name}…")
        self.reader.start(os.path.abspath(path), "open")

    # --- the file read --------------------------------------------------------------------------

    def _on_reader_read(self, info: ExperimentInfo, why: str) -> None:
        window = self._window
        scenario = experiment_scenario(info)
        path = info.target.location
        self._paths[path] = scenario.id
        self._store.set_experiment_paths([*self._store.experiment_paths(), path])
        if path not in self.watcher.files():
            self.watcher.addPath(path)
        window.add_experiment(scenario)
        shown = window.current_scenario()
        if why == "open" or scenario.id == self._select_when_read:
            self._select_when_read = ""
            window.select_scenario(scenario.id)
        elif shown is not None and shown.id == scenario.id:
            window.show_scenario_again()
        if info.problem:
            self._say(info.problem)
        elif why == "open":
            window.statusBar().showMessage(f"Opened {scenario.title}: press Run (Ctrl+R)", 8000)
        if why == "changed":
            self.changed.emit(scenario.id)
            self._after_change(scenario)
        else:
            self.opened.emit(scenario.id)

    def _on_reader_failed(self, path: str, text: str) -> None:
        if path not in self._paths:  # never shown: nothing to keep in the list
            paths = self._store.experiment_paths()
            self._store.set_experiment_paths([p for p in paths if p != path])
        self._say(text)

    def _say(self, text: str) -> None:
        self._window.statusBar().showMessage(text, 15000)

    # --- changes on disk ------------------------------------------------------------------------

    def _on_watcher_file_changed(self, path: str) -> None:
        self._changed.add(path)
        self._settle.start()

    def _on_settle_timeout(self) -> None:
        for path in sorted(self._changed):
            if os.path.exists(path):
                if path not in self.watcher.files():  # saved by rename: watch the new file
                    self.watcher.addPath(path)
                self.reader.start(path, "changed")
            else:
                self._say(f"{path} was deleted or moved: the last version read stays shown")
        self._changed.clear()

    def _after_change(self, scenario: Any) -> None:
        """Run again at once when ticked and possible, else offer to."""
        window = self._window
        shown = window.current_scenario()
        if shown is None or shown.id != scenario.id:
            return
        if self.rerun_action.isChecked() and not window.is_running():
            window.start_run()
            return
        if self.offer is None:
            self.offer = QMessageBox(window)
            self.offer.setObjectName("experimentChangedOffer")
            self.offer.setWindowTitle("Experiment changed")
            self.offer.setIcon(QMessageBox.Icon.Question)
            self.run_again = self.offer.addButton("Run again", QMessageBox.ButtonRole.AcceptRole)
            self.offer.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
            self.offer.setModal(False)
            self.offer.buttonClicked.connect(self._on_offer_button_clicked)
        self.offer.setText(f"{scenario.title} changed on disk. Run it again?")
        self.offer.show()

    def _on_offer_button_clicked(self, button: Any) -> None:
        if button is self.run_again and not self._window.is_running():
            self._window.start_run()

    # --- a cancelled run ------------------------------------------------------------------------

    def _on_window_run_finished(self, report: Any) -> None:
        """After a cancelled experiment, restart the run host (on a thread: it waits up to a
        second for the host to exit). An endless loop in the task may still be spinning in
        one of its threads (serial, threads), which nothing but ending the process stops."""
        if report is None or not str(report.scenario).startswith("experiment:"):
            return
        if self._window.saved_run_path:
            return
        died = [r for r in report.errors if r.type == "RunHostDied"]
        if died:  # the host says it died; say why that is likely the user's task
            self._say(
                "The experiment ended the run host, where serial and threads run your task: "
                + died[0].message
            )
        if report.state != "cancelled":
            return
        threading.Thread(target=self._window.host.restart, name="host-restart", daemon=True).start()
