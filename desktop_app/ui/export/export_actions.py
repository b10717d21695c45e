"""The Export menu and File ▸ Save run…: every registered format, one code path.

The menu lists the plot formats (ui/export/plot_formats.py: the view on screen as PNG or SVG)
and the run formats (engine/outputs/formats.py: JSON, CSV, trace), so a format registered in
either appears here without an edit. This module owns the menu, the file dialog, the
remembered folder, naming (a missing extension is added, but never over an existing file
without asking) and turning a failure into a message box rather than a traceback. Run formats
are written in the background (export_runner.py) with a progress dialog and Cancel; plots
render on the GUI thread (Qt's drawing must), which takes milliseconds.

Everything is disabled until there is a run to export: a placeholder is not worth a file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QProgressDialog, QWidget

from ...engine.outputs.formats import RunFormat, run_formats
from ...engine.outputs.writers import with_suffix
from ..settings_store import SettingsStore
from .export_runner import PER_MILLE, ExportJob
from .plot_formats import PlotFormat, plot_formats, shown_view, view_item

Format = PlotFormat | RunFormat
CLOSE_WAIT_S = 1.0  # closing during an export: a cancel lands within one chunk, well within


def all_formats() -> list[Format]:
    return [*plot_formats(), *run_formats()]


def format_for(key: str) -> Format:
    for fmt in all_formats():
        if fmt.key == key:
            return fmt
    raise KeyError(f"no export format {key!r}")


def run_header(report: Any) -> list[str]:
    """The title and parameters an export carries: which run this is."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(report.started_at))
    params = ", ".join(f"{name}={value}" for name, value in report.params.items()) or "defaults"
    sizes = ", ".join(map(str, report.pool_sizes))
    return [
        f"{report.scenario} — {report.state} in {report.duration_s:.2f} s, {when}",
        f"{params} · pool sizes {sizes} · repeats {report.repeats}",
    ]


class ExportController(QObject):
    """Builds the Export menu and runs exports; ``export()`` is the dialog-free entry."""

    export_finished = Signal(object)  # list[Path]
    export_failed = Signal(str)
    export_cancelled = Signal()

    def __init__(
        self,
        window: QWidget,
        store: SettingsStore,
        layout: Any,
        report: Callable[[], Any],
        scenario_id: Callable[[], str],
    ) -> None:
        super().__init__(window)
        self._window, self._store, self._layout = window, store, layout
        self._report, self._scenario_id = report, scenario_id
        self._message: QMessageBox | None = None
        self.job: ExportJob | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.export_action = QAction("&Export…", window)
        self.export_action.setObjectName("exportAction")
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(lambda: self.export_with_dialog(None))
        self.save_action = QAction("&Save run…", window)
        self.save_action.setObjectName("saveRunAction")
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(lambda: self.export_with_dialog("json", "Save run"))
        self.kind_actions: dict[str, QAction] = {}
        for fmt in all_formats():
            action = QAction(fmt.label, window)
            action.setObjectName(f"export_{fmt.key}")
            action.triggered.connect(lambda _=False, k=fmt.key: self.export_with_dialog(k))
            self.kind_actions[fmt.key] = action
        self.update_enabled()

    def fill_menu(self, menu: QMenu) -> None:
        menu.addAction(self.export_action)
        menu.addSeparator()
        for index, action in enumerate(self.kind_actions.values()):
            if index == len(plot_formats()):
                menu.addSeparator()
            menu.addAction(action)
        menu.aboutToShow.connect(self.update_enabled)

    def update_enabled(self) -> None:
        """Exports need a run (a saved one will do); one export at a time."""
        has_report = self._report() is not None
        busy = self.job is not None
        tip = "Run a scenario first" if not has_report else "An export is being written"
        for action in (self.export_action, self.save_action, *self.kind_actions.values()):
            action.setEnabled(has_report and not busy)
            action.setToolTip("" if action.isEnabled() else tip)

    # --- exporting ------------------------------------------------------------------------------

    def export(self, key: str, path: str | os.PathLike[str]) -> list[Path]:
        """Write ``key`` to ``path`` now, on this thread (tests, the smoke test); raises."""
        fmt = format_for(key)
        report = self._report()
        if report is None:
            raise ValueError("there is no run to export yet: run a scenario first")
        if isinstance(fmt, PlotFormat):
            return [self._write_plot(fmt, report, Path(path))]
        return fmt.write(report, path)

    def _write_plot(self, fmt: PlotFormat, report: Any, path: Path) -> Path:
        item = view_item(self._layout, shown_view(self._layout))
        return fmt.write(item, path, run_header(report))

    def start_export(self, key: str, path: str | os.PathLike[str]) -> ExportJob | None:
        """Export in the background (run formats) or now (plots); failures become a message.

        Returns the job of a background export (None when it finished on the spot)."""
        fmt, report = format_for(key), self._report()
        if report is None or self.job is not None:
            return None
        if isinstance(fmt, PlotFormat):
            try:
                self._on_job_finished([self._write_plot(fmt, report, Path(path))])
            except Exception as exc:
                self._on_job_failed(f"Could not export {key.upper()} to {path}: {exc}")
            return None
        job = self.job = ExportJob(fmt, report, Path(path), self)
        job.finished.connect(self._on_job_finished)
        job.failed.connect(self._on_job_failed)
        job.cancelled.connect(self._on_job_cancelled)
        self._show_progress(job, Path(path).name)
        self.update_enabled()
        job.start()
        return job

    def _show_progress(self, job: ExportJob, name: str) -> None:
        dialog = QProgressDialog(f"Writing {name}…", "Cancel", 0, PER_MILLE, self._window)
        dialog.setObjectName("exportProgress")
        dialog.setWindowTitle("Export")
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(300)  # a quick export never flashes a dialog
        dialog.setAutoReset(False)
        dialog.setValue(0)
        job.progressed.connect(dialog.setValue)
        dialog.canceled.connect(job.cancel)
        self.progress_dialog = dialog

    def cancel(self, wait_s: float = 0.0) -> None:
        """Cancel a running export (closing the window does this); the old file stays."""
        if self.job is not None:
            self.job.cancel()
            if wait_s:
                self.job.wait(wait_s)

    def _end_job(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.canceled.disconnect()
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None
        self.job = None
        self.update_enabled()

    def _on_job_finished(self, written: list[Path]) -> None:
        self._end_job()
        names = ", ".join(p.name for p in written)
        self._status(f"Exported {names} to {written[0].parent}" if written else "Nothing written")
        self.export_finished.emit(written)

    def _on_job_failed(self, text: str) -> None:
        self._end_job()
        self.show_failure(text)
        self.export_failed.emit(text)

    def _on_job_cancelled(self) -> None:
        self._end_job()
        self._status("Export cancelled: no file was changed")
        self.export_cancelled.emit()

    def _status(self, text: str) -> None:
        status = getattr(self._window, "statusBar", None)
        if callable(status):
            status().showMessage(text, 10000)

    # --- the dialog -----------------------------------------------------------------------------

    def export_with_dialog(self, key: str | None, title: str = "Export") -> None:
        """Ask where (and, for ``None``, which format by the chosen filter), then export."""
        if self._report() is None or self.job is not None:
            self.update_enabled()
            return
        formats = [format_for(key)] if key else all_formats()
        folder = self._store.export_folder()
        if not folder or not os.path.isdir(folder):
            folder = str(Path.home())
        base = f"{self._scenario_id() or 'concurrency-lab'}{formats[0].suffix}"
        path, chosen = QFileDialog.getSaveFileName(
            self._window,
            title,
            os.path.join(folder, base),
            ";;".join(f.file_filter for f in formats),
        )
        if not path:
            return
        fmt = next((f for f in formats if f.file_filter == chosen), None) or _guess(path, formats)
        target, added = with_suffix(path, fmt.suffix)
        # The dialog asked about the name as typed; a name we extended was never asked about.
        if added and target.exists() and not self._confirm_replace(target):
            return
        self._store.set_export_folder(str(target.parent))
        self.start_export(fmt.key, target)

    def _confirm_replace(self, target: Path) -> bool:
        answer = QMessageBox.question(
            self._window,
            "Replace file?",
            f"{target.name} already exists in {target.parent}. Replace it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def show_failure(self, text: str) -> None:
        """A non-blocking warning box (``open()``, not ``exec()``: the event loop keeps going)."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Export failed", text, parent=self._window)
        box.setObjectName("exportFailedBox")
        box.open()
        self._message = box


def _guess(path: str, formats: Sequence[Format]) -> Format:
    lowered = path.lower()
    for fmt in sorted(formats, key=lambda f: -len(f.suffix)):
        if lowered.endswith(fmt.suffix):
            return fmt
    return formats[0]
