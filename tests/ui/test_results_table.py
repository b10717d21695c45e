"""The results table shows a timing lesson's spread: repeats, MAD, efficiency in % as the plot,
and a noisy row flagged where its numbers are, with the reason."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import Qt

from desktop_app.engine.records import Measurement
from desktop_app.engine.stats import summarize
from desktop_app.scenarios import pool_timing
from desktop_app.ui.panels.results_table import ResultsTable


def _pool_timing_report():
    """pool-timing's own table from a sweep whose pool size 8 is slow and 4 is noisy."""
    walls = {1: (1.0, 1.0, 1.0), 2: (0.5, 0.51, 0.5), 4: (0.5, 0.5, 1.2), 8: (30.0, 30.0, 30.1)}
    ms = [Measurement("cpu", "serial", 1, r, 1.0, 0.0, "completed", 8) for r in range(3)]
    for size, repeats in walls.items():
        ms += [
            Measurement("cpu", "pool", size, r, wall, 0.0, "completed", 8)
            for r, wall in enumerate(repeats)
        ]
    report = SimpleNamespace(table_columns=[], table_rows=[])

    def set_table(columns, rows):
        report.table_columns, report.table_rows = list(columns), rows

    pool_timing._set_table(SimpleNamespace(set_table=set_table), summarize(ms, cores=2))
    return report


def _cell(table: ResultsTable, row: int, column: str, role=Qt.ItemDataRole.DisplayRole):
    model = table.results
    names = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    return model.data(model.index(row, names.index(column)), role)


def _row_of(table: ResultsTable, backend: str, size: int) -> int:
    for row in range(table.row_count()):
        if _cell(table, row, "backend") == backend and _cell(table, row, "pool size") == str(size):
            return row
    raise AssertionError((backend, size))


def test_spread_and_efficiency_in_percent_and_a_flagged_noisy_row(qtbot):
    table = ResultsTable()
    qtbot.addWidget(table)
    table.show_report(_pool_timing_report())
    model = table.results
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert {"repeats", "MAD (s)", "efficiency (%)", "noisy", "ideal"} <= set(headers)
    two, eight = _row_of(table, "pool", 2), _row_of(table, "pool", 8)
    assert float(_cell(table, two, "efficiency (%)")) == 100.0, "percent, as the plot"
    assert float(_cell(table, eight, "efficiency (%)")) > 0, "not '0' at pool size 8"
    assert _cell(table, two, "repeats") == "3"

    noisy = _row_of(table, "pool", 4)
    assert model.noisy_rows() == [noisy]
    flag = _cell(table, noisy, "noisy")
    assert flag.startswith("⚠") and "of the median" in flag, "the reason, in numbers"
    assert _cell(table, noisy, "median (s)", Qt.ItemDataRole.BackgroundRole) is not None
    assert "noisy" in _cell(table, noisy, "median (s)", Qt.ItemDataRole.ToolTipRole)
    assert _cell(table, two, "median (s)", Qt.ItemDataRole.BackgroundRole) is None
    assert _cell(table, two, "noisy") == ""


def test_tables_without_a_noisy_column_are_unchanged(qtbot):
    table = ResultsTable()
    qtbot.addWidget(table)
    table.show_report(SimpleNamespace(table_columns=["n", "n!"], table_rows=[[3, 6], [4, 24]]))
    assert table.results.noisy_rows() == []
    assert _cell(table, 1, "n!") == "24"
    assert _cell(table, 1, "n!", Qt.ItemDataRole.BackgroundRole) is None
