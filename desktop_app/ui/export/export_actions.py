"""The Export menu: the plot as PNG or SVG, the run as CSV, JSON or a Perfetto trace.

The writing itself is in ``exporters`` (pyqtgraph's exporters, the report's own schema); this
module owns the menu, the file dialog, the remembered folder, and turning a failure into a
message box rather than a traceback. ``exporters`` (and with it pyqtgraph) is imported on the
first export, not when the window is built: the window shows sooner.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from ..settings_store import SettingsStore


@dataclass(frozen=True)
class ExportKind:
    key: str
    label: str
    suffix: str
    file_filter: str
    needs_report: bool


KINDS = (
    ExportKind("png", "Timing plot as &PNG…", ".png", "PNG image (*.png)", False),
    ExportKind("svg", "Timing plot as &SVG…", ".svg", "SVG drawing (*.svg)", False),
    ExportKind("csv", "Spans and summary as &CSV…", ".csv", "CSV table (*.csv)", True),
    ExportKind("json", "Run as &JSON…", ".json", "JSON run report (*.json)", True),
    ExportKind("trace", "Timeline as Perfetto &trace…", ".trace.json", "Trace JSON (*.json)", True),
)
_BY_KEY = {kind.key: kind for kind in KINDS}


class ExportController(QObject):
    """Builds the Export menu and runs an export; ``export()`` is the dialog-free entry."""

    def __init__(
        self,
        window: QWidget,
        store: SettingsStore,
        plot_item: Callable[[], Any],
        report: Callable[[], Any],
        scenario_id: Callable[[], str],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._store = store
        self._plot_item = plot_item
        self._report = report
        self._scenario_id = scenario_id
        self._message: QMessageBox | None = None
        self.export_action = QAction("&Export…", window)
        self.export_action.setObjectName("exportAction")
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setToolTip("Export the plot or the last run (Ctrl+E)")
        self.export_action.triggered.connect(lambda: self.export_with_dialog(None))
        self.kind_actions: dict[str, QAction] = {}
        for kind in KINDS:
            action = QAction(kind.label, window)
            action.setObjectName(f"export_{kind.key}")
            action.triggered.connect(lambda _=False, k=kind.key: self.export_with_dialog(k))
            self.kind_actions[kind.key] = action

    def fill_menu(self, menu: QMenu) -> None:
        menu.addAction(self.export_action)
        menu.addSeparator()
        for action in self.kind_actions.values():
            menu.addAction(action)
        menu.aboutToShow.connect(self.update_enabled)

    def update_enabled(self) -> None:
        has_report = self._report() is not None
        for kind in KINDS:
            action = self.kind_actions[kind.key]
            action.setEnabled(has_report or not kind.needs_report)
            action.setToolTip("" if action.isEnabled() else "Run a scenario first")

    # --- exporting ------------------------------------------------------------------------------

    def export(self, key: str, path: str | os.PathLike[str]) -> list[Path]:
        """Write ``key`` (png, svg, csv, json, trace) to ``path``; raises on failure."""
        from . import exporters

        kind = _BY_KEY[key]
        report = self._report()
        if kind.needs_report and report is None:
            raise ValueError("there is no run to export yet: run a scenario first")
        if key == "png":
            return [Path(exporters.export_png(self._plot_item(), path))]
        if key == "svg":
            return [Path(exporters.export_svg(self._plot_item(), path))]
        if key == "csv":
            return [Path(p) for p in exporters.export_csv(report, path)]
        if key == "json":
            return [Path(exporters.export_report_json(report, path))]
        return [Path(exporters.export_trace(report, path))]

    def export_with_dialog(self, key: str | None) -> list[Path]:
        """Ask where (and, for ``None``, which format by the chosen filter), then export."""
        kinds = [_BY_KEY[key]] if key else [k for k in KINDS if self._available(k)]
        folder = self._store.export_folder()
        if not folder or not os.path.isdir(folder):
            folder = str(Path.home())
        base = f"{self._scenario_id() or 'concurrency-lab'}{kinds[0].suffix}"
        filters = ";;".join(k.file_filter for k in kinds)
        path, chosen = QFileDialog.getSaveFileName(
            self._window, "Export", os.path.join(folder, base), filters
        )
        if not path:
            return []
        kind = next((k for k in kinds if k.file_filter == chosen), None) or _guess(path, kinds)
        if not Path(path).suffix:
            path += kind.suffix
        self._store.set_export_folder(str(Path(path).parent))
        try:
            written = self.export(kind.key, path)
        except Exception as exc:  # any failure is a message, never a traceback
            self.show_failure(f"Could not export {kind.key.upper()} to {path}:\n{exc}")
            return []
        names = ", ".join(p.name for p in written)
        status = getattr(self._window, "statusBar", None)
        if callable(status):
            status().showMessage(f"Exported {names} to {Path(path).parent}", 8000)
        return written

    def _available(self, kind: ExportKind) -> bool:
        return not kind.needs_report or self._report() is not None

    def show_failure(self, text: str) -> None:
        """A non-blocking warning box (``open()``, not ``exec()``: the event loop keeps going)."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Export failed", text, parent=self._window)
        box.setObjectName("exportFailedBox")
        box.open()
        self._message = box


def _guess(path: str, kinds: list[ExportKind]) -> ExportKind:
    lowered = path.lower()
    for kind in sorted(kinds, key=lambda k: -len(k.suffix)):
        if lowered.endswith(kind.suffix):
            return kind
    return kinds[0]
