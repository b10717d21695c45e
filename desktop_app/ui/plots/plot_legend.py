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

    def updateSize(self) -> None:
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
        # In a layout cell it needs no protection from a zoomed ViewBox; without the flag an
        # export scaled up (a 1600 px PNG) scales the legend and its text with everything else.
        self.setFlag(self.GraphicsItemFlag.ItemIgnoresTransformations, False)
        self._width = 600.0
        self._held = 0.0  # while holding: the height the cell keeps at least (see hold)
        self._laid_out: tuple | None = None  # what the entries were last laid out for

    def hold(self, holding: bool) -> None:
        """While a run goes on the cell keeps its height as rows hide and come back: a cell
        that shrinks and grows again re-lays the plot above it and its axes (5-10 ms each)."""
        self._held = max(self._held, self.minimumHeight()) if holding else 0.0
        if not holding:
            self.updateSize()

    def mouseDragEvent(self, ev) -> None:
        ev.ignore()  # it stays in its cell: dragged over the plot it would hide data again

    def _removeItemFromLayout(self, *items) -> None:
        # A hidden row is not in the layout: pyqtgraph's own removal warned "invalid index".
        for item in items:
            for index in range(self.layout.count()):
                if self.layout.itemAt(index) is item:
                    self.layout.removeAt(index)
                    break
            item.close()
            if item.scene() is not None:  # PySide leaves a closed item in its scene
                item.scene().removeItem(item)

    def invalidate(self) -> None:
        """Lay the entries out again (their text changed size: a new font)."""
        self._laid_out = None
        self.updateSize()

    def fit_width(self, width: float) -> None:
        """Lay the entries out for ``width`` pixels (the view's width; 0: one column)."""
        width = max(1.0, float(width))
        if width != self._width:
            self._width = width
            self.updateSize()

    def _entries(self) -> list[tuple[float, float]]:
        """(width, height) of each visible entry, the grid's spacing around it included."""
        gaps = ENTRY_GAP + 2 * self.layout.horizontalSpacing()
        return [
            (s.width() + label.minimumWidth() + gaps, max(s.height(), label.minimumHeight()))
            for s, label in self.items
            if s.isVisible()
        ]

    def height_for(self, width: float) -> float:
        """The height the entries need laid out in ``width`` pixels (without laying them out)."""
        entries = self._entries()
        if not entries:
            return 0.0
        columns, _ = pack_columns([w for w, _ in entries], width)
        return self._height(math.ceil(len(entries) / columns), max(h for _, h in entries))

    def size_for_height(self, height: float) -> tuple[float, float]:
        """(width, height) of the fewest columns whose rows fit in ``height`` (else one row)."""
        entries = self._entries()
        if not entries:
            return 0.0, 0.0
        widths, line = [w for w, _ in entries], max(h for _, h in entries)
        for columns in range(1, len(entries) + 1):
            rows = math.ceil(len(entries) / columns)
            if self._height(rows, line) <= height or columns == len(entries):
                column_widths = [max(widths[col::columns]) for col in range(columns)]
                return sum(column_widths), self._height(rows, line)
        raise AssertionError("unreachable")

    def _height(self, rows: int, line: float) -> float:
        return rows * line + (rows - 1) * self.layout.verticalSpacing() + 4

    def updateSize(self) -> None:
        shown = [(sample, label) for sample, label in self.items if sample.isVisible()]
        # Curves first, then the marks' key (a scatter of its own, made before any curve).
        shown.sort(key=lambda entry: isinstance(entry[0].item, pg.ScatterPlotItem))
        # Laid out again only when something it depends on changed: each lay-out re-lays the
        # plots' layout too, and so their axes (a few ms of a paint).
        signature = ([id(sample) for sample, _ in shown], self._width, self._held)
        if signature == self._laid_out:
            return
        self._laid_out = signature
        for index in range(self.layout.count() - 1, -1, -1):
            self.layout.removeAt(index)
        if not shown:
            self.setMinimumHeight(self._held)
            self.setMaximumHeight(self._held)
            self.resize(self.width(), self._held)
            return
        gaps = ENTRY_GAP + 2 * self.layout.horizontalSpacing()
        widths = [s.width() + label.minimumWidth() + gaps for s, label in shown]
        columns, column_widths = pack_columns(widths, self._width)
        for index, (sample, label) in enumerate(shown):
            row, col = divmod(index, columns)
            self.layout.addItem(sample, row, 2 * col)
            self.layout.addItem(label, row, 2 * col + 1)
        for col in range(self.layout.columnCount() // 2):
            label_width = (
                column_widths[col] - shown[0][0].width() - 2 * self.layout.horizontalSpacing()
            )
            label_width = label_width if col < columns else 0
            self.layout.setColumnFixedWidth(2 * col + 1, label_width)
        rows = math.ceil(len(shown) / columns)
        line = max(max(sample.height(), label.minimumHeight()) for sample, label in shown)
        height = max(self._height(rows, line), self._held)
        self.setMinimumHeight(height)
        self.setMaximumHeight(height)
        width = sum(column_widths)
        self.setMaximumWidth(width)
        # Sized now, not at the parent layout's next pass: the plot's cell shrinks at once.
        self.resize(width, height)


def pack_columns(widths: list[float], available: float) -> tuple[int, list[float]]:
    """The most columns (entries row-major, each column as wide as its widest entry) that fit
    in ``available`` pixels, and the columns' widths; at least one column."""
    for columns in range(len(widths), 1, -1):
        column_widths = [max(widths[col::columns]) for col in range(columns)]
        if sum(column_widths) <= available:
            return columns, column_widths
    return 1, [max(widths)]


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
