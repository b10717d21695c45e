"""The window's Dask scheduler setting: where a lesson run with ``executor=dask`` runs.

Empty (the default) is the lab's own LocalCluster of worker processes on this machine; an
address (``tcp://host:port``, as ``dask scheduler`` prints it) is a running cluster, which the
lab connects to and never tears down. Kept in the app's settings; every run request carries it
to the run host (``RunRequest.scheduler``), as ``--scheduler`` does on the command line.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMainWindow, QMenu, QMessageBox

from ..engine.executors._dask_cluster import check_address

KEY = "cluster/scheduler"


class SchedulerSetting:
    """The stored scheduler address and its Run ▸ Dask scheduler… menu entry."""

    def __init__(self, window: QMainWindow, qsettings) -> None:
        self._window = window
        self._qsettings = qsettings

    def address(self) -> str:
        """The address to use ("" = the lab's own cluster); a bad stored value counts as ""."""
        raw = self._qsettings.value(KEY, "")
        try:
            return check_address(raw) if isinstance(raw, str) else ""
        except ValueError:
            return ""

    def set_address(self, text: str) -> str:
        """Store ``text`` (ValueError, naming what is wrong, for a malformed address)."""
        address = check_address(text)
        self._qsettings.setValue(KEY, address)
        return address

    def add_to(self, menu: QMenu) -> QAction:
        action = menu.addAction("Dask &scheduler…")
        action.setObjectName("daskSchedulerAction")
        action.setToolTip(
            "Where lessons run with executor=dask: the lab's own local cluster, or a scheduler address"
        )
        action.triggered.connect(self._on_action_triggered)
        return action

    def _on_action_triggered(self) -> None:
        text, ok = QInputDialog.getText(
            self._window,
            "Dask scheduler",
            "Scheduler address for executor=dask (tcp://HOST:PORT);\n"
            "leave empty for the lab's own local cluster:",
            QLineEdit.EchoMode.Normal,
            self.address(),
        )
        if not ok:
            return
        try:
            address = self.set_address(text)
        except ValueError as exc:
            QMessageBox.warning(self._window, "Dask scheduler", str(exc))
            return
        where = address or "the lab's own local cluster"
        self._window.statusBar().showMessage(f"executor=dask runs on {where}", 5000)
