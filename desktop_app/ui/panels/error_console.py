"""The error console: every error record of every run, and uncaught errors of the app itself.

One row per record (time, origin, type, message, worker); expanding a row shows the worker's own
traceback. Records are kept in full; only the first ``MAX_ROWS`` become tree rows, so a run
where 100,000 tasks fail cannot swamp the GUI thread.

Runs are kept apart by header rows naming them (``begin_run``), added as soon as a second run's
rows would follow an earlier one's (a console holding one run needs none: the caption above
the tabs names it). The console counts the errors of the current run: the Errors tab and the
status bar both read that one count. New errors scroll into view unless the user has scrolled
up to read an older one.
"""

from __future__ import annotations

import time
from typing import cast

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...engine.executors import error_origins
from ...engine.records import ErrorRecord

ORIGINS = error_origins()  # one per kind of worker, from the executor registry
COLUMNS = ("Time", "Origin", "Type", "Message", "Worker")
MAX_ROWS = 2000
_RECORD_ROLE = Qt.ItemDataRole.UserRole


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ErrorConsole(QWidget):
    """Error records with expandable, copyable tracebacks, a filter by origin and Clear."""

    count_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorConsole")
        self._records: list[ErrorRecord] = []
        self._counts: dict[str, int] = dict.fromkeys(ORIGINS, 0)
        self._run_start = 0  # index in _records of the current run's first record
        # Per run: [caption, index of its first tree row, its header row or None]
        self._runs: list[list] = []
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self._filter = QComboBox()
        self._filter.setObjectName("errorOriginFilter")
        self._filter.addItem("All origins", "")
        for origin in ORIGINS:
            self._filter.addItem(origin.capitalize(), origin)
        self._filter.setToolTip("Show the errors of one kind of worker only")
        self._filter.currentIndexChanged.connect(self._on_filter_current_index_changed)
        filter_label = QLabel("&Show:")
        filter_label.setBuddy(self._filter)
        self._copy = QPushButton("Copy traceback")
        self._copy.setToolTip("Copy the selected error with its traceback to the clipboard")
        self._copy.clicked.connect(self.copy_selected)
        clear = QPushButton("Clear")
        clear.setToolTip("Forget every error shown here")
        clear.clicked.connect(self.clear)
        self._summary = QLabel()
        bar.addWidget(filter_label)
        bar.addWidget(self._filter)
        bar.addWidget(self._summary, 1)
        bar.addWidget(self._copy)
        bar.addWidget(clear)
        layout.addLayout(bar)
        self.tree = QTreeWidget()
        self.tree.setObjectName("errorTree")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._on_tree_context_menu_requested)
        header = self.tree.header()
        header.setStretchLastSection(False)
        for column in range(len(COLUMNS)):
            mode = (
                QHeaderView.ResizeMode.Stretch
                if column == 3
                else QHeaderView.ResizeMode.Interactive
            )
            header.setSectionResizeMode(column, mode)
        for column, width in ((0, 80), (1, 70), (2, 150), (4, 170)):
            self.tree.setColumnWidth(column, width)
        layout.addWidget(self.tree)
        self._update_summary()

    # --- records --------------------------------------------------------------------------------

    def add_records(self, records: list[ErrorRecord]) -> None:
        """Append records (one batch per call, cheap: rows past MAX_ROWS are not built)."""
        if not records:
            return
        room = max(0, MAX_ROWS - self.tree.topLevelItemCount())
        items = [self._make_item(r) for r in records[:room]]
        wanted = self._filter.currentData()
        bar = self.tree.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        self.tree.addTopLevelItems(items)
        self._widen_columns(items)
        for item in items:
            item.setFirstColumnSpanned(False)
            if (detail := item.child(0)) is not None:  # the traceback row, made with the item
                detail.setFirstColumnSpanned(True)
            item.setHidden(bool(wanted) and item.data(0, _RECORD_ROLE).origin != wanted)
        self._records.extend(records)
        for record in records:
            self._counts[record.origin] = self._counts.get(record.origin, 0) + 1
        self._update_summary()
        if items and at_end:
            self.tree.scrollToItem(items[-1])
        self.count_changed.emit(len(self._records))

    def begin_run(self, caption: str) -> None:
        """A new run: the errors from now on are its own, and once rows of different runs
        share the list each run's rows sit under a header naming it."""
        self._run_start = len(self._records)
        rows = self.tree.topLevelItemCount()
        if rows:
            for run in reversed(self._runs):  # headers for earlier runs that had none yet
                if run[2] is None:
                    run[2] = self._insert_header(run[1], run[0])
            self._runs.append([caption, rows, None])
            self._runs[-1][2] = self._insert_header(self.tree.topLevelItemCount(), caption)
            self.tree.scrollToItem(self._runs[-1][2])
        else:
            self._runs.append([caption, 0, None])
        self._update_summary()
        self.count_changed.emit(len(self._records))

    def _insert_header(self, index: int, caption: str) -> QTreeWidgetItem:
        header = QTreeWidgetItem([f"— {caption} —"])
        header.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = header.font(0)
        font.setBold(True)
        header.setFont(0, font)
        header.setToolTip(0, caption)
        self.tree.insertTopLevelItem(index, header)
        header.setFirstColumnSpanned(True)
        return header

    def run_count(self) -> int:
        """Errors since the current run's header: what the tab and the status bar say."""
        return len(self._records) - self._run_start

    def _widen_columns(self, items: list[QTreeWidgetItem]) -> None:
        """Widen the short columns to fit the new rows (only these rows: cheap per batch)."""
        metrics = self.tree.fontMetrics()
        for column in (0, 1, 2, 4):
            needed = max((metrics.horizontalAdvance(i.text(column)) for i in items), default=0)
            if needed + 24 > self.tree.columnWidth(column):
                self.tree.setColumnWidth(column, needed + 24)

    def _make_item(self, record: ErrorRecord) -> QTreeWidgetItem:
        stamp = time.strftime("%H:%M:%S", time.localtime(record.time))
        worker = record.worker or (f"pid {record.pid}" if record.pid else "")
        if record.exitcode is not None:
            worker += f" (exit {record.exitcode})"
        item = QTreeWidgetItem(
            [stamp, record.origin, record.type, _one_line(record.message), worker]
        )
        item.setData(0, _RECORD_ROLE, record)
        for column in (0, 1, 2, 4):
            item.setToolTip(column, item.text(column))
        item.setToolTip(3, _one_line(record.message, 1000))
        trace = QTreeWidgetItem([record.traceback.rstrip() or "(no traceback)"])
        trace.setFont(0, QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        trace.setFlags(trace.flags() & ~Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
        item.addChild(trace)
        return item

    def records(self) -> list[ErrorRecord]:
        return list(self._records)

    def count(self) -> int:
        return len(self._records)

    def clear(self) -> None:
        self._records.clear()
        self._counts = dict.fromkeys(ORIGINS, 0)
        self._run_start = 0
        self._runs.clear()
        self.tree.clear()
        self._update_summary()
        self.count_changed.emit(0)

    def set_origin_filter(self, origin: str) -> None:
        """Show one origin ('' for all)."""
        self._filter.setCurrentIndex(max(0, self._filter.findData(origin)))

    def visible_records(self) -> list[ErrorRecord]:
        return [
            item.data(0, _RECORD_ROLE)
            for item in self._top_level_items()
            if not item.isHidden() and item.data(0, _RECORD_ROLE) is not None
        ]

    def _top_level_items(self) -> list[QTreeWidgetItem]:
        """The tree's records' rows (every index below topLevelItemCount() has an item)."""
        tree = self.tree
        return [
            cast(QTreeWidgetItem, tree.topLevelItem(i)) for i in range(tree.topLevelItemCount())
        ]

    # --- copying --------------------------------------------------------------------------------

    @staticmethod
    def format_record(record: ErrorRecord) -> str:
        where = f" in {record.worker}" if record.worker else ""
        head = f"[{record.origin}] {record.type}: {record.message}{where}"
        return f"{head}\n{record.traceback.rstrip()}\n"

    def selected_record(self) -> ErrorRecord | None:
        item = self.tree.currentItem()
        if item is not None and item.parent() is not None:
            item = item.parent()
        return item.data(0, _RECORD_ROLE) if item is not None else None

    def copy_selected(self) -> str:
        """Copy the selected record (header line and traceback); returns what was copied."""
        record = self.selected_record()
        if record is None:
            return ""
        text = self.format_record(record)
        QGuiApplication.clipboard().setText(text)
        return text

    # --- slots ----------------------------------------------------------------------------------

    def _on_tree_context_menu_requested(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        self.tree.setCurrentItem(item)
        menu = QMenu(self)
        menu.addAction("Copy traceback", self.copy_selected)
        expand = "Collapse" if (item.parent() or item).isExpanded() else "Expand"
        menu.addAction(expand, lambda: self._toggle(item.parent() or item))
        menu.popup(self.tree.viewport().mapToGlobal(pos))

    @staticmethod
    def _toggle(item: QTreeWidgetItem) -> None:
        item.setExpanded(not item.isExpanded())

    def _on_filter_current_index_changed(self, _index: int) -> None:
        wanted = self._filter.currentData()
        for item in self._top_level_items():
            record = item.data(0, _RECORD_ROLE)
            item.setHidden(bool(wanted) and record is not None and record.origin != wanted)
        self._update_summary()

    def _update_summary(self) -> None:
        if not self._records:
            self._summary.setText("No errors.")
            self._copy.setEnabled(False)
            return
        parts = [f"{n} {o}" for o, n in self._counts.items() if n]
        rows = sum(1 for item in self._top_level_items() if item.data(0, _RECORD_ROLE) is not None)
        hidden = len(self._records) - rows
        more = f" ({hidden} not listed)" if hidden > 0 else ""
        run, total = self.run_count(), len(self._records)
        scope = f"{run} in this run, {total} in all" if run != total else f"{total}"
        self._summary.setText(f"{scope} errors: {', '.join(parts)}{more}")
        self._copy.setEnabled(True)
