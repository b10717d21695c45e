"""The results table: a scenario's own results (factorials, squares, shared values).

A model over the report's rows rather than one ``QTableWidgetItem`` per cell: a run of 100,000
squares shows at once, since the view only asks for the cells it paints.

A row whose "noisy" cell holds a reason (the timing lessons', scenarios/_summary_cells.py) is
flagged where its numbers are: an amber row, a ⚠ before the reason and the reason in every
cell's tooltip, so a number is never read without how far it can be trusted.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

_Index = QModelIndex | QPersistentModelIndex
CELL_LIMIT = 200  # characters shown in a cell; the tooltip holds up to TOOLTIP_LIMIT
TOOLTIP_LIMIT = 4000
# Column widths come from the header and the first rows: Qt's sizeHintForColumn asks the model
# for eight roles of 1,000 rows per column, 250-370 ms of GUI thread for a 100,000-row table.
WIDTH_SAMPLE_ROWS = 60
NOISY_COLUMN = "noisy"  # a column by this name holds why a row is noisy ('' when it is not)
NOISY_MARK = "⚠ "
NOISY_TINT = QColor(232, 163, 61, 70)  # the timing plot's amber ring, translucent for text
# Up to this many rows a long cell (sharing-data's "what happened") wraps in a taller row
# instead of being cut; sizing rows asks every cell, so big tables keep one line a row.
WRAP_ROWS = 200


def _text(value: Any, limit: int) -> str:
    if isinstance(value, float):
        text = f"{value:.6g}"
    elif value is None:
        text = ""
    elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 3 * limit:
        # str() refuses ints past 4,300 digits (CPython's limit) and is slow long before that.
        text = f"≈{int(value.bit_length() * 0.30103) + 1:,}-digit number"
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ResultsModel(QAbstractTableModel):
    """Columns and rows of ``RunReport.table_columns`` / ``table_rows``."""

    def __init__(self) -> None:
        super().__init__()
        self._columns: list[str] = []
        self._rows: list[list[Any]] = []
        self._noisy_column = -1

    def set_table(self, columns: list[str], rows: list[list[Any]]) -> None:
        self.beginResetModel()
        self._columns = [str(c) for c in columns]
        self._rows = rows
        names = [c.lower() for c in self._columns]
        self._noisy_column = names.index(NOISY_COLUMN) if NOISY_COLUMN in names else -1
        self.endResetModel()

    def noise_of(self, row: int) -> str:
        """Why ``row`` is noisy, or '' (no noisy column, or a quiet row)."""
        column = self._noisy_column
        if column < 0 or column >= len(self._rows[row]):
            return ""
        value = self._rows[row][column]
        return "" if value in (None, "", False) else str(value)

    def noisy_rows(self) -> list[int]:
        return [row for row in range(len(self._rows)) if self.noise_of(row)]

    def sample_widths(self, metrics: QFontMetrics) -> list[int]:
        """Pixel width of each column's widest text among the header and the first rows."""
        sample = self._rows[:WIDTH_SAMPLE_ROWS]
        widths = []
        for column, title in enumerate(self._columns):
            texts = [_text(row[column], CELL_LIMIT) for row in sample if column < len(row)]
            widths.append(max(metrics.horizontalAdvance(text) for text in [title, *texts]))
        return widths

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        value = row[index.column()] if index.column() < len(row) else ""
        noise = self.noise_of(index.row()) if self._noisy_column >= 0 else ""
        if role == Qt.ItemDataRole.DisplayRole:
            if noise and index.column() == self._noisy_column:
                return NOISY_MARK + _text(value, CELL_LIMIT)
            return _text(value, CELL_LIMIT)
        if role == Qt.ItemDataRole.ToolTipRole:
            text = _text(value, TOOLTIP_LIMIT)
            if noise and index.column() != self._noisy_column:
                return f"{text}\n\n{NOISY_MARK}{noise}: the repeats disagree, so trust it less"
            return text
        if role == Qt.ItemDataRole.BackgroundRole and noise:
            return QBrush(NOISY_TINT)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float)):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(  # Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section] if section < len(self._columns) else None
        return section + 1


class ResultsTable(QTableView):
    """Read-only, sortable-looking results of the last run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsTable")
        self.results = ResultsModel()
        self.setModel(self.results)
        self.setAlternatingRowColors(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # No stretched last column: it pushed a right-aligned number (factorial's "finished #")
        # a screen's width away from its header and its row's other cells.
        self.horizontalHeader().setStretchLastSection(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.setToolTip("The scenario's results (hover a cell for its full value)")
        self.setWordWrap(True)
        self._setting_widths = False
        self.horizontalHeader().sectionResized.connect(self._on_header_section_resized)

    def show_report(self, report: Any) -> None:
        self.results.set_table(list(report.table_columns), list(report.table_rows))
        # Each width set below emits sectionResized; re-wrapping every row for each of them cost
        # the GUI thread 38-48 ms a finished run (gui_latency A/B against cedf652): wrap once.
        self._setting_widths = True
        try:
            for column, width in enumerate(self.results.sample_widths(self.fontMetrics())):
                self.setColumnWidth(column, max(90, min(320, width + 24)))
        finally:
            self._setting_widths = False
        if self.results.rowCount() <= WRAP_ROWS:  # a lesson's few rows: wrap, show it all
            self.resizeRowsToContents()

    def _on_header_section_resized(self, *_args: object) -> None:
        if not self._setting_widths and 0 < self.results.rowCount() <= WRAP_ROWS:
            self.resizeRowsToContents()

    def clear(self) -> None:
        self.results.set_table([], [])

    def row_count(self) -> int:
        return self.results.rowCount()
