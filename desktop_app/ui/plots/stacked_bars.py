"""Rows of stacked horizontal bars, one row per measurement, a part per colour: what the Hops
and the "Why not N×" views draw (hops_view.py, why_view.py), written once.

The parts are ``pg.BarGraphItem``s (one per part, every row in it), each named in the view's
legend below the plot and carrying its tooltip; the rows are named on the left axis, which is
made as wide as its longest name so no name is cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFontMetricsF
from PySide6.QtWidgets import QWidget

from . import plot_style

BAR_HEIGHT = 0.6


@dataclass(frozen=True)
class Part:
    """One part of every row: its legend name, colour, width per row (s) and tooltip."""

    name: str
    colour: str
    widths: Sequence[float]
    tooltip: str


class StackedBars:
    """The bars of one plot: drawn part after part from the left, removed all at once."""

    def __init__(self, plot: pg.PlotItem, legend: pg.LegendItem) -> None:
        self._plot = plot
        self._legend = legend
        self.bars: list[pg.BarGraphItem] = []  # kept in place: the views' tests read it

    def remove(self) -> None:
        """Take every bar out of the plot and every name out of the legend."""
        for bar in self.bars:
            self._plot.removeItem(bar)
        self.bars.clear()
        self._legend.clear()

    def show_empty(self) -> None:
        """No row: no names on the axis, a unit range for the view's hint at (0.5, 0)."""
        self._plot.getAxis("left").setTicks([[]])
        self._plot.setRange(xRange=(0, 1), yRange=(-1, 1), padding=0)

    def draw(self, parts: Sequence[Part], labels: Sequence[str], widget: QWidget) -> list[float]:
        """Stack ``parts`` on one row per label; each row's right end (s)."""
        rows = range(len(labels))
        left = [0.0] * len(labels)
        for part in parts:
            bar = pg.BarGraphItem(
                x0=left,
                y=list(rows),
                width=list(part.widths),
                height=BAR_HEIGHT,
                brush=QColor(part.colour),
                pen=pg.mkPen(None),
            )
            bar.setToolTip(part.tooltip)
            self._plot.addItem(bar)
            self._legend.addItem(bar, part.name)
            self.bars.append(bar)
            left = [a + b for a, b in zip(left, part.widths, strict=True)]
        axis = self._plot.getAxis("left")
        axis.setTicks([list(zip(rows, labels, strict=True))])
        metrics = QFontMetricsF(plot_style.axis_font(widget))
        axis.setWidth(int(max(metrics.horizontalAdvance(text) for text in labels)) + 16)
        return left

    def fit(self, right: float, rows: int) -> None:
        """Show every row, from 0 to a little past ``right``."""
        self._plot.setRange(xRange=(0, right * 1.05 or 1), yRange=(-0.6, rows - 0.4))
