"""Legends that never cover data: rows that can be hidden, laid out in a cell of their own.

Building a curve costs 5-9 ms of GUI-thread time (its item, error bars and a legend row with a
label); hiding one and showing it again costs a few microseconds, so the timing plot keeps its
curves between runs and hides their legend rows. pyqtgraph's ``LegendItem`` floats over the
plot (and hid points at any size: issue 13); :class:`LayoutLegend` sits in a layout row below
the plot instead, in as many columns as the width holds, so on screen and in an export the
plot area is all data.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt

ENTRY_GAP = 14.0  # px between a legend entry and the next one in its row


class CollapsingLegend(pg.LegendItem):
    """A ``LegendItem`` with ``set_row_visible``; hidden rows take no space."""

    def set_row_visible(self, item: pg.GraphicsObject, visible: bool) -> None:
        for sample, label in self.items:
            if sample.item is item:
                if sample.isVisible() != visible:
                    sample.setVisible(visible)
                    label.setVisible(visible)
                    self.updateSize()
                return

    def visible_names(self) -> list[str]:
        return [label.text for sample, label in self.items if sample.isVisible()]

    def updateSize(self) -> None:  # noqa: N802 (pyqtgraph override)
        if self.size is not None:
            return
        height = width = 0.0
        for row in range(self.layout.rowCount()):
            row_height = row_width = 0.0
            for col in range(self.layout.columnCount()):
                item = self.layout.itemAt(row, col)
                if item and item.isVisible():
                    row_width += item.width() + 3
                    row_height = max(row_height, item.height())
            width = max(width, row_width)
            height += row_height
        self.setGeometry(0, 0, width, height)


class LayoutLegend(CollapsingLegend):
    """A legend that lives in a ``GraphicsLayout`` cell beside its plot, never over it.

    The visible entries are laid out row-major in as many equal columns as ``fit_width`` allows;
    the cell's height follows, so the plot above gives up exactly the rows the legend needs.
    """

    def __init__(self) -> None:
        super().__init__(offset=None, frame=False, verSpacing=-2)
        self._width = 600.0

    def mouseDragEvent(self, ev) -> None:  # noqa: N802 (pyqtgraph override)
        ev.ignore()  # it stays in its cell: dragged over the plot it would hide data again

    def _removeItemFromLayout(self, *items) -> None:  # noqa: N802 (pyqtgraph override)
        # A hidden row is not in the layout: pyqtgraph's own removal warned "invalid index".
        for item in items:
            for index in range(self.layout.count()):
                if self.layout.itemAt(index) is item:
                    self.layout.removeAt(index)
                    break
            item.close()
            if item.scene() is not None:  # PySide leaves a closed item in its scene
                item.scene().removeItem(item)

    def fit_width(self, width: float) -> None:
        """Lay the entries out for ``width`` pixels (the view's width)."""
        width = max(80.0, float(width))
        if width != self._width:
            self._width = width
            self.updateSize()

    def updateSize(self) -> None:  # noqa: N802 (pyqtgraph override)
        shown = [(sample, label) for sample, label in self.items if sample.isVisible()]
        # Curves first, then the marks' key (a scatter of its own, made before any curve).
        shown.sort(key=lambda entry: isinstance(entry[0].item, pg.ScatterPlotItem))
        for index in range(self.layout.count() - 1, -1, -1):
            self.layout.removeAt(index)
        if not shown:
            self.setMinimumHeight(0)
            self.setMaximumHeight(0)
            self.resize(self.width(), 0)
            return
        entry = max(s.width() + label.minimumWidth() for s, label in shown) + ENTRY_GAP
        columns = max(1, min(len(shown), int(self._width // entry)))
        for index, (sample, label) in enumerate(shown):
            row, col = divmod(index, columns)
            self.layout.addItem(sample, row, 2 * col)
            self.layout.addItem(label, row, 2 * col + 1)
        for col in range(columns):
            self.layout.setColumnFixedWidth(2 * col + 1, entry - shown[0][0].width())
        rows = math.ceil(len(shown) / columns)
        line = max(max(s.height(), label.minimumHeight()) for s, label in shown)
        height = rows * line + 4
        self.setMinimumHeight(height)
        self.setMaximumHeight(height)
        self.setMaximumWidth(columns * entry)
        # Sized now, not at the parent layout's next pass: the plot's cell shrinks at once.
        self.resize(columns * entry, height)


def add_legend(plot: pg.PlotItem, offset: tuple[float, float]) -> CollapsingLegend:
    """``plot.addLegend`` with a :class:`CollapsingLegend`; named items added later join it."""
    legend = CollapsingLegend(offset=offset)
    legend.setParentItem(plot.getViewBox())
    plot.legend = legend  # PlotItem.addItem(name=...) adds to plot.legend
    return legend


def add_layout_legend(
    layout: pg.GraphicsLayout, row: int, plots: tuple[pg.PlotItem, ...]
) -> LayoutLegend:
    """A :class:`LayoutLegend` in ``layout``'s ``row`` (below the plots) for ``plots``: the
    named items added to any of them later join it."""
    legend = LayoutLegend()
    layout.addItem(legend, row=row, col=0)
    layout.layout.setAlignment(legend, Qt.AlignmentFlag.AlignHCenter)
    for plot in plots:
        plot.legend = legend  # PlotItem.addItem(name=...) adds to plot.legend
    return legend
