"""The Compare window: two or more saved runs overlaid, tested, and side by side in time.

Top left, the timing plot: each run's median wall time per pool size with whiskers from its
fastest to its slowest repeat, a colour per series and a line style and marker per run, and a
legend naming each (run id, label, series). Top right, the comparison table of compare.py:
per series and pool size the ratio of medians with its interval, p and the verdict (faster /
slower / no significant difference / too few repeats), against the first run. Below, every
run's timeline side by side on one linked time axis (zoom one, all follow). The data are
prepared on a pool thread (ui/viewmodels/comparison.py); this module only draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...history.compare import FASTER, SLOWER, ComparisonRow, describe_test
from ...history.svg_plots import Curve
from ..plots.plot_style import set_axis_label, style_legend, style_plot, style_view
from ..viewmodels.comparison import Comparison, Lane, load_comparison
from .run_history import RunHistory

PEN_STYLES = (
    Qt.PenStyle.SolidLine,
    Qt.PenStyle.DashLine,
    Qt.PenStyle.DotLine,
    Qt.PenStyle.DashDotLine,
)
SYMBOLS = ("o", "s", "d", "t")
VERDICT_COLOURS = {
    FASTER: QColor("#3fa34d"),
    SLOWER: QColor("#e0483e"),
}  # legible on light and dark
TABLE_COLUMNS = (
    "Run",
    "Series",
    "Pool",
    "Repeats",
    "Baseline",
    "Median",
    "Ratio",
    "95% CI",
    "p",
    "Verdict",
)
FAILED_COLOUR = "#d62728"


class CompareWindow(QWidget):
    """``load(ids)`` fetches and prepares on a pool thread; ``shown`` follows the drawing."""

    shown = Signal()

    def __init__(self, history: RunHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("compareWindow")
        self.setWindowTitle("Compare runs")
        self.history = history
        self.comparison: Comparison | None = None
        self.title = QLabel("Loading…")
        self.title.setObjectName("compareTitle")
        self.title.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.legend = self.plot.addLegend(offset=(10, 10))
        self.table = QTableWidget(0, len(TABLE_COLUMNS))
        self.table.setObjectName("compareTable")
        self.table.setHorizontalHeaderLabels(TABLE_COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.caption = QLabel(
            "ratio = median time of the run / the baseline's (below 1: faster). "
            f"Test: {describe_test()}.",
            wordWrap=True,
        )
        self.timelines = QWidget()
        self.timelines_row = QHBoxLayout(self.timelines)
        self.timeline_plots: list[pg.PlotWidget] = []
        self._layout()
        self.resize(1200, 760)

    def _layout(self) -> None:
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.table, 1)
        column.addWidget(self.caption)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.plot)
        top.addWidget(right)
        top.setSizes([480, 720])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        body.addWidget(self.timelines)
        body.setSizes([420, 320])
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(body, 1)

    def load(self, run_ids: Sequence[int]) -> None:
        store, ids = self.history.store(), list(run_ids)
        self.title.setText(f"Loading runs {', '.join(map(str, ids))}…")
        self.history.calls.start(lambda: load_comparison(store, ids), self._draw, self._fail)

    def _fail(self, text: str) -> None:
        self.title.setText(f"Cannot compare: {text}")

    def _draw(self, comparison: Comparison) -> None:
        self.comparison = comparison
        runs = comparison.runs
        others = ", ".join(run.name for run in runs[1:])
        self.title.setText(
            f"{others} against {runs[0].name} (the baseline), {runs[0].report.scenario}"
        )
        self._draw_plot(comparison.curves)
        self._fill_table(comparison.rows)
        self._draw_timelines(comparison)
        self.shown.emit()

    # --- the timing plot ------------------------------------------------------------------------

    def _draw_plot(self, curves: Sequence[Curve]) -> None:
        plot = self.plot.getPlotItem()
        plot.clear()
        self.legend.clear()
        style_view(self.plot, self)
        style_plot(plot, self)
        sizes = sorted({size for curve in curves for size in curve.samples})
        for curve in curves:
            self._draw_curve(plot, curve, sizes)
        plot.getAxis("bottom").setTicks([[(i, str(size)) for i, size in enumerate(sizes)]])
        set_axis_label(plot, "bottom", "pool size", self)
        set_axis_label(plot, "left", "wall time", self, units="s")
        style_legend(self.legend, self)

    def _draw_curve(self, plot: pg.PlotItem, curve: Curve, sizes: list[int]) -> None:
        points = sorted((size, values) for size, values in curve.samples.items() if values)
        x = np.array([sizes.index(size) for size, _ in points], dtype=float)
        medians = np.array([float(np.median(values)) for _, values in points])
        low = np.array([min(values) for _, values in points])
        high = np.array([max(values) for _, values in points])
        pen = pg.mkPen(curve.colour, width=2, style=PEN_STYLES[curve.style % len(PEN_STYLES)])
        plot.addItem(
            pg.ErrorBarItem(
                x=x,
                y=medians,
                top=high - medians,
                bottom=medians - low,
                beam=0.08,
                pen=pg.mkPen(curve.colour),
            )
        )
        plot.plot(
            x,
            medians,
            pen=pen,
            symbol=SYMBOLS[curve.style % len(SYMBOLS)],
            symbolBrush=curve.colour,
            symbolPen=None,
            symbolSize=9,
            name=curve.label,
        )

    def legend_names(self) -> list[str]:
        return [label.text for _sample, label in self.legend.items]

    # --- the table ------------------------------------------------------------------------------

    def _fill_table(self, rows: Sequence[ComparisonRow]) -> None:
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(table_cells(row)):
                item = QTableWidgetItem(text)
                item.setToolTip(row.reason)
                if c == len(TABLE_COLUMNS) - 1 and row.verdict in VERDICT_COLOURS:
                    item.setForeground(QBrush(VERDICT_COLOURS[row.verdict]))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()

    def verdicts(self) -> list[tuple[int | None, str, int, str]]:
        rows = self.comparison.rows if self.comparison else []
        return [(row.run_id, row.series, row.pool_size, row.verdict) for row in rows]

    # --- the timelines --------------------------------------------------------------------------

    def _draw_timelines(self, comparison: Comparison) -> None:
        layout = self.timelines_row
        for plot in self.timeline_plots:
            layout.removeWidget(plot)
            plot.deleteLater()
        self.timeline_plots = []
        for run, lanes in zip(comparison.runs, comparison.timelines, strict=True):
            widget = pg.PlotWidget(title=run.name)
            style_view(widget, self)
            self._draw_lanes(widget.getPlotItem(), lanes)
            widget.setXRange(0, comparison.t_max_ms, padding=0.01)
            if self.timeline_plots:
                widget.setXLink(self.timeline_plots[0])
            layout.addWidget(widget)
            self.timeline_plots.append(widget)

    def _draw_lanes(self, plot: pg.PlotItem, lanes: Sequence[Lane]) -> None:
        style_plot(plot, self)
        by_colour: dict[str, list[tuple[int, np.ndarray]]] = {}
        for index, lane in enumerate(lanes):
            for colour, bars in lane.bars:
                by_colour.setdefault(colour, []).append((index, bars))
            if len(lane.failed):
                by_colour.setdefault(FAILED_COLOUR, []).append((index, lane.failed))
        for colour, parts in by_colour.items():
            starts = np.concatenate([bars[:, 0] for _, bars in parts])
            widths = np.concatenate([bars[:, 1] - bars[:, 0] for _, bars in parts])
            rows = np.concatenate([np.full(len(bars), i, dtype=float) for i, bars in parts])
            plot.addItem(
                pg.BarGraphItem(x0=starts, width=widths, y=rows, height=0.7, brush=colour, pen=None)
            )
        plot.getAxis("left").setTicks([[(i, lane.name) for i, lane in enumerate(lanes)]])
        plot.invertY(True)
        plot.setMouseEnabled(x=True, y=False)
        set_axis_label(plot, "bottom", "time since the run started (ms)", self)


def table_cells(row: ComparisonRow) -> list[str]:
    def seconds(value: float | None) -> str:
        if value is None:
            return "—"
        return f"{value * 1e3:.3g} ms" if value < 1 else f"{value:.3g} s"

    return [
        f"run {row.run_id}",
        f"{row.series} ({row.backend})",
        str(row.pool_size),
        f"{row.baseline_repeats} / {row.repeats}",
        seconds(row.baseline_median_s),
        seconds(row.median_s),
        "—" if row.ratio is None else f"{row.ratio:.3f}",
        "—" if row.ci_low is None else f"{row.ci_low:.3f}–{row.ci_high:.3f}",
        "—" if row.p_value is None else f"{row.p_value:.2g}",
        row.verdict,
    ]
