"""The History panel: saved runs newest first, a search and a lesson filter, and what to do.

Widgets only; history_actions.py does the work (every query on a pool thread). The list shows
the lesson, key parameters, interpreter, date, duration and state of each run; when nothing
matches, a line says so in place of an empty table, and a failed save shows as a banner.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .history_model import HistoryModel

SEARCH_DELAY_MS = 250  # one query when typing pauses, not one per key
ALL_LESSONS = "All lessons"


class HistoryPanel(QWidget):
    """The list, its filters and its buttons; ``filter_changed`` fires after typing pauses."""

    filter_changed = Signal()

    def __init__(self, lessons: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyPanel")
        self.model = HistoryModel()
        self.search = QLineEdit(placeholderText="Search lesson, label, note, parameters…")
        self.search.setObjectName("historySearch")
        self.search.setClearButtonEnabled(True)
        self.lesson = QComboBox()
        self.lesson.setObjectName("historyLesson")
        self.lesson.addItems([ALL_LESSONS, *lessons])
        self.table = self._build_table()
        self.empty = QLabel("No saved runs yet: every run you make is kept here.")
        self.empty.setObjectName("historyEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        self.banner = QLabel()
        self.banner.setObjectName("historyBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("color: #e15759;")
        self.banner.hide()
        self.buttons = {
            key: QPushButton(text)
            for key, text in (
                ("open", "Open"),
                ("compare", "Compare"),
                ("previous", "Compare with previous"),
                ("rename", "Rename…"),
                ("note", "Note…"),
                ("delete", "Delete…"),
                ("report", "Export report…"),
                ("json", "Export JSON…"),
            )
        }
        for key, button in self.buttons.items():
            button.setObjectName(f"history_{key}")
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.filter_changed)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.lesson.currentIndexChanged.connect(lambda _index: self.filter_changed.emit())
        self._layout()
        self.show_runs()

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("historyTable")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((50, 140, 130, 110, 260, 120, 80)):
            table.setColumnWidth(column, width)
        return table

    def _layout(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.lesson)
        buttons = QHBoxLayout()
        for button in self.buttons.values():
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(filters)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)

    def search_text(self) -> str:
        return self.search.text().strip()

    def lesson_filter(self) -> str | None:
        text = self.lesson.currentText()
        return None if text == ALL_LESSONS else text

    def show_runs(self) -> None:
        """The table, or the line saying why it is empty."""
        filtered = bool(self.search_text() or self.lesson_filter())
        if self.model.rowCount():
            self.stack.setCurrentWidget(self.table)
        else:
            self.empty.setText(
                "No runs match the search or the lesson chosen."
                if filtered
                else "No saved runs yet: every run you make is kept here."
            )
            self.stack.setCurrentWidget(self.empty)
        self.update_buttons()

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def update_buttons(self) -> None:
        count = len(self.selected_rows())
        for key, button in self.buttons.items():
            if key == "compare":
                button.setEnabled(count >= 2)
            elif key in ("delete", "report"):
                button.setEnabled(count >= 1)  # a report of several runs is a comparison
            else:
                button.setEnabled(count == 1)

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))
