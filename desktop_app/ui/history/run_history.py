"""The window's handle on the run history: save every finished run, off the GUI thread.

Every completed, failed or cancelled live run is saved as soon as the window shows it
(``RunLifecycle._show_finished_run``); a replayed saved run is not saved again. The save runs
on a pool thread (:class:`BackgroundCall`), so the GUI thread never waits for numpy, zlib or
SQLite (tests/benchmarks/history_save_gap.py measures the event loop's longest gap meanwhile).
A failed save (read-only or missing folder, full disk, a newer database) is a status message
naming the reason (and the History view's banner), never a failed run: the run the user waited for is intact.

The store is made at first use, so the data folder ($CONCURRENCY_LAB_DATA_DIR, else the
platform's) is read then: tests point it at a temporary folder before the first run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from .background import BackgroundCalls

if TYPE_CHECKING:
    from ...history.store import Store

SAVE_WAIT_S = 5.0  # at quit: a save under way (well under a second on a quiet machine) ends


class RunHistory(QObject):
    """Saves runs and hands out the store; signals say when the saved runs changed."""

    run_saved = Signal(int)  # the new run's id
    save_failed = Signal(str)  # the message for the user
    runs_changed = Signal()  # a run was saved, deleted, renamed or annotated
    notice_posted = Signal(str)  # the store's one-off notices (a damaged file moved aside)

    def __init__(self, parent: QObject | None = None, store: Store | None = None) -> None:
        super().__init__(parent)
        self.calls = BackgroundCalls(self)
        self._store = store
        self.last_saved_id: int | None = None
        self.last_failure = ""
        self.save_enabled = True

    def store(self) -> Store:
        if self._store is None:
            from ...history.store import Store  # numpy and sqlite3: not before the first paint

            self._store = Store()
        return self._store

    def warm_up(self) -> None:
        """Import the store's modules on a pool thread (after the first paint), so the first
        save does not import them on the GUI thread: that took 13-26 ms there, inside the
        slot that shows the finished run (gui_latency.py --profile)."""
        if self._store is None:
            QThreadPool.globalInstance().start(_import_store)

    def save_report(self, report: Any) -> None:
        """Save ``report`` on a pool thread; ``run_saved`` or ``save_failed`` follows."""
        if not self.save_enabled:
            return
        store = self.store()
        self.calls.start(
            lambda: store.save_report(report), self._on_save_finished, self._on_save_failed
        )

    def _on_save_finished(self, run_id: int) -> None:
        self.last_saved_id, self.last_failure = run_id, ""
        self.run_saved.emit(run_id)
        self.post_notices()  # after: a moved-aside database is the message to keep showing
        self.runs_changed.emit()

    def _on_save_failed(self, message: str) -> None:
        self.last_failure = message
        self.post_notices()
        self.save_failed.emit(message)

    def post_notices(self) -> None:
        store = self._store
        while store is not None and store.notices:
            self.notice_posted.emit(store.notices.pop(0))

    def wait(self, timeout: float = SAVE_WAIT_S) -> bool:
        return self.calls.wait(timeout)


def _import_store() -> None:
    from ...history import store  # noqa: F401  # imported for its side effect: it is loaded
