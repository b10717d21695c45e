"""Run ▸ Python interpreter: which Python the run host runs under.

The interpreters are found off the GUI thread (engine/pythons.py runs each candidate once to
ask what it is) and listed as they arrive; "Other interpreter…" takes a path, checked the same
way in the background. Choosing one tells the window (``MainWindow.use_python``), which hands it
to the run host: the host is replaced at its next start, on a pool thread. The choice is
remembered across starts: the next window asks that interpreter again in the background and uses
it if it is still there and usable, else says it is gone and keeps this app's Python.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QFileDialog, QMenu

from ..engine.pythons import EXTRA_ENV, PythonInfo, discover, probe, this_python

if TYPE_CHECKING:
    from .main_window import MainWindow


class PythonMenu(QObject):
    """The submenu, its actions (one per interpreter, exclusive) and the background search."""

    found = Signal(object)  # list[PythonInfo]: the search finished (queued to the GUI thread)
    probed = Signal(object, str)  # PythonInfo | None, the path given: "Other…" was checked
    restored = Signal(object, str)  # PythonInfo | None, the path remembered from the last start

    def __init__(self, window: MainWindow, parent_menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.menu = parent_menu.addMenu("&Python interpreter")
        self.menu.setObjectName("pythonMenu")
        self.menu.setToolTipsVisible(True)
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self.actions: dict[str, QAction] = {}  # real path -> action
        self.infos: dict[str, PythonInfo] = {}
        self.searching = False
        self._searched = False
        self._add(this_python(), checked=True)
        self._status = self.menu.addAction("Looking for other interpreters…")
        self._status.setEnabled(False)
        self.menu.addSeparator()
        other = self.menu.addAction("&Other interpreter…")
        other.setObjectName("otherPythonAction")
        other.triggered.connect(self._on_other_triggered)
        self.found.connect(self._on_self_found)
        self.probed.connect(self._on_self_probed)
        # Searched when the menu first opens, not at start-up: it runs every candidate once.
        self.menu.aboutToShow.connect(self.search)
        self.restored.connect(self._on_self_restored)
        self._user_chose = False  # a choice made before the remembered one was checked wins
        self._pending: PythonInfo | None = None
        self._restore()

    def _restore(self) -> None:
        """The interpreter chosen last time, asked again off the GUI thread."""
        path = self.window.settings_store.python_path()
        if path:
            QThreadPool.globalInstance().start(lambda: _emit(self.restored, probe(path), path))

    def _on_self_restored(self, info: Any, path: str) -> None:
        if self._user_chose:  # the user picked one meanwhile: theirs stands
            return
        if info is None or not info.usable:
            self.window.settings_store.set_python_path("")
            self.window.statusBar().showMessage(
                f"The Python chosen last time ({path}) is gone or no longer usable: runs use "
                "this app's Python",
                10000,
            )
            return
        if self.window.is_running():  # a run started first: switch when it ends
            self.window.run_finished.connect(
                self._after_run, Qt.ConnectionType.SingleShotConnection
            )
            self._pending = info
            return
        self._adopt(info)

    def _after_run(self, _report: Any) -> None:
        info, self._pending = self._pending, None
        if info is not None and not self._user_chose:
            self._adopt(info)

    def _adopt(self, info: PythonInfo) -> None:
        """Use ``info``, known to the run host's own search as well (as "Other…" does)."""
        known = [p for p in os.environ.get(EXTRA_ENV, "").split(os.pathsep) if p]
        if info.source != "this" and info.path not in known:
            os.environ[EXTRA_ENV] = os.pathsep.join([*known, info.path])
        self.choose(info)

    # --- the search, on a pool thread -----------------------------------------------------------

    def search(self) -> None:
        """Look for the interpreters in the background (once); ``found`` answers."""
        if self._searched:
            return
        self._searched = self.searching = True
        QThreadPool.globalInstance().start(self._search)

    def _search(self) -> None:
        try:
            found = discover()
        except Exception:  # a broken candidate must not lose the others: show what we have
            found = []
        _emit(self.found, found)

    def _on_self_found(self, found: list[PythonInfo]) -> None:
        self.searching = False
        for info in found:
            self._add(info)
        others = len(self.actions) - 1
        self._status.setText(
            f"{others} other interpreter{'s' if others != 1 else ''} found"
            if others
            else "No other interpreter found (3.11+ on PATH, pyenv, uv)"
        )

    # --- the actions ------------------------------------------------------------------------------

    def _add(self, info: PythonInfo, checked: bool = False) -> QAction:
        key = os.path.realpath(info.path)
        action = self.actions.get(key)
        if action is not None:
            return action
        version = ".".join(map(str, info.version))
        build = ", free-threaded" if info.free_threaded else ""
        where = "this app's Python" if info.source == "this" else info.source
        action = QAction(f"Python {version}{build} ({where})", self, checkable=True)
        action.setToolTip(info.path)
        action.setStatusTip(info.path)
        action.setChecked(checked)
        action.triggered.connect(lambda _=False, i=info: self._on_action_chosen(i))
        self.group.addAction(action)
        before = getattr(self, "_status", None)  # interpreters go above the search's line
        if before is None:
            self.menu.addAction(action)
        else:
            self.menu.insertAction(before, action)
        self.actions[key] = action
        self.infos[key] = info
        return action

    def choose(self, info: PythonInfo) -> bool:
        """Make ``info`` the run host's interpreter (tests and the actions call this)."""
        action = self._add(info)
        if not self.window.use_python(info):
            self._check(self.window.host.python)
            return False
        action.setChecked(True)
        self.window.settings_store.set_python_path("" if info.source == "this" else info.path)
        return True

    def _check(self, path: str | None) -> None:
        key = os.path.realpath(path or this_python().path)
        action = self.actions.get(key)
        if action is not None:
            action.setChecked(True)

    def _on_action_chosen(self, info: PythonInfo) -> None:
        self._user_chose = True
        self.choose(info)

    # --- Other interpreter… -----------------------------------------------------------------------

    def _on_other_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Choose a Python interpreter (3.11+)")
        if path:
            self.check_path(path)

    def check_path(self, path: str) -> None:
        """Ask the interpreter at ``path`` what it is, off the GUI thread; ``probed`` answers."""
        self.window.statusBar().showMessage(f"Checking {path}…", 5000)
        QThreadPool.globalInstance().start(lambda: _emit(self.probed, probe(path), path))

    def _on_self_probed(self, info: Any, path: str) -> None:
        if info is None or not info.usable:
            what = (
                "does not run as a Python interpreter"
                if info is None
                else f"is {info.implementation} {'.'.join(map(str, info.version))}; the lab "
                "needs CPython 3.11 or newer"
            )
            self.window.statusBar().showMessage(f"{path} {what}", 10000)
            return
        self._user_chose = True
        self._adopt(info)  # the run host (and the GIL lesson in it) finds it too


def _emit(signal: Any, *args: Any) -> None:
    """Emit from a pool thread; the window may have closed meanwhile (its menu deleted)."""
    try:
        signal.emit(*args)
    except RuntimeError:  # "Internal C++ object already deleted": nobody is left to tell
        pass
