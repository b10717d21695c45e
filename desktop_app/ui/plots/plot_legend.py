"""A legend whose rows can be hidden, so the timing plot can keep its curves between runs.

Building a curve costs 5-9 ms of GUI-thread time (its item, error bars and a legend row with a
label); hiding one and showing it again costs a few microseconds. pyqtgraph's ``LegendItem``
sizes its box from every row, visible or not; this one counts only the visible rows (Qt's grid
layout already skips hidden items when it places them).
"""

from __future__ import annotations

import pyqtgraph as pg


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

    def updateSize(self) -> None:  # pyqtgraph override
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


def add_legend(plot: pg.PlotItem, offset: tuple[float, float]) -> CollapsingLegend:
    """``plot.addLegend`` with a :class:`CollapsingLegend`; named items added later join it."""
    legend = CollapsingLegend(offset=offset)
    legend.setParentItem(plot.getViewBox())
    plot.legend = legend  # PlotItem.addItem(name=...) adds to plot.legend
    return legend
