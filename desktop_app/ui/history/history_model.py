"""The History list's model: saved runs, newest first, one row each (no run loaded to show it).

Rows are :class:`RunSummary` records from ``Store.list_runs`` (fetched on a pool thread by the
History view); the model only formats them. Key parameters are the run's own, shortest first,
so the column says what made this run differ without a tooltip.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

if TYPE_CHECKING:
    from ...history.runs import RunSummary

_Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Run", "Saved", "Lesson", "Label", "Parameters", "Interpreter", "Duration", "State")
STATE_COLOURS = {"failed": QColor("#e15759"), "cancelled": QColor("#f2b134")}
PARAMS_LIMIT = 80


def params_text(params: dict[str, Any], limit: int = PARAMS_LIMIT) -> str:
    text = ", ".join(f"{name}={value}" for name, value in params.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def duration_text(seconds: float) -> str:
    return f"{seconds * 1e3:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def cell_text(run: RunSummary, column: int) -> str:
    if column == 0:
        return str(run.id)
    if column == 1:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.created))
    values = (run.scenario, run.label, params_text(run.params), run.python)
    if 2 <= column <= 5:
        return values[column - 2]
    if column == 6:
        return duration_text(run.duration_s)
    return run.state + ("" if run.spans_kept else " (spans pruned)")


class HistoryModel(QAbstractTableModel):
    """Read-only rows of saved runs; ``run_at(row)`` gives the record behind a row."""

    def __init__(self) -> None:
        super().__init__()
        self._runs: list[RunSummary] = []

    def set_runs(self, runs: Sequence[RunSummary]) -> None:
        self.beginResetModel()
        self._runs = list(runs)
        self.endResetModel()

    def runs(self) -> list[RunSummary]:
        return list(self._runs)

    def run_at(self, row: int) -> RunSummary:
        return self._runs[row]

    def row_of(self, run_id: int) -> int:
        return next((row for row, run in enumerate(self._runs) if run.id == run_id), -1)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        run = self._runs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(run, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"Run {run.id}: {run.scenario}, {run.state}", params_text(run.params, 2000)]
            lines += [f"Note: {run.note}"] if run.note else []
            lines += [f"{run.python} on {run.machine or 'this machine'}, {run.span_count} spans"]
            return "\n".join(lines)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 7:
            colour = STATE_COLOURS.get(run.state)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (0, 6):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
