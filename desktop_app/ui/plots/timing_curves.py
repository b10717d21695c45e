"""The timing plot's items: a curve per (series, backend) kept between runs, and the point
marks that flag noisy measurements and carry every point's numbers as a tooltip.

Kept apart from the widget (timing_plot.py), which decides what to draw and when.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ...engine.stats import SummaryRow, noise_reason
from .plot_legend import CollapsingLegend

KEPT_CURVES = 16  # hidden curves kept per plot for the next runs; the least recently used go
NOISY_COLOUR = "#e8a33d"  # amber: not an outcome colour (ok green, failed red)
NOISY_LEGEND = "noisy: repeats disagree (hover a point)"
NOISY_RING = 17  # the ring's diameter (px) around a noisy point's 8 px marker


class Curve:
    """One (series, backend): its line with markers and, on the wall view, its error bars.

    Kept between runs and hidden instead of removed: the next run of the same scenario shows it
    again for the price of a ``setData``, where building it costs 5-9 ms of the GUI thread.
    """

    def __init__(
        self,
        plot: pg.PlotItem,
        name: str | None,
        colour,
        symbol: str | None,
        bars: bool = False,
        dash: Qt.PenStyle = Qt.PenStyle.SolidLine,
    ) -> None:
        self.style = Curve.style_of(name, colour, symbol, bars, dash)
        pen = pg.mkPen(colour, width=2, style=dash)
        marks = {}
        if symbol is not None:
            marks = {"symbol": symbol, "symbolSize": 8, "symbolBrush": colour}
            marks["symbolPen"] = pg.mkPen(colour)
        self.line = plot.plot([], [], pen=pen, name=name, **marks)
        self.bars = None
        if bars:
            self.bars = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), pen=pen, beam=0.12)
            plot.addItem(self.bars)

    @staticmethod
    def style_of(name, colour, symbol, bars=False, dash=Qt.PenStyle.SolidLine) -> tuple:
        return name, pg.mkColor(colour).name(), symbol, bars, dash

    def set_visible(self, plot: pg.PlotItem, visible: bool) -> None:
        self.line.setVisible(visible)
        if self.bars is not None:
            self.bars.setVisible(visible)
        if isinstance(plot.legend, CollapsingLegend):
            plot.legend.set_row_visible(self.line, visible)

    def is_visible(self) -> bool:
        return self.line.isVisible()

    def remove(self, plot: pg.PlotItem) -> None:
        plot.removeItem(self.line)
        if self.bars is not None:
            plot.removeItem(self.bars)


def hide_all(plot: pg.PlotItem, curves: dict) -> None:
    """Hide every curve for the next run; past ``KEPT_CURVES``, remove the stalest."""
    for curve in curves.values():
        curve.set_visible(plot, False)
    for key in list(curves)[: max(0, len(curves) - KEPT_CURVES)]:
        curves.pop(key).remove(plot)


def reuse(curves: dict, key: object, plot: pg.PlotItem, *style) -> Curve:
    """The curve for ``key``, shown: the kept one if its style fits, else a new one."""
    curve = curves.pop(key, None)
    if curve is not None and curve.style != Curve.style_of(*style):
        curve.remove(plot)
        curve = None
    if curve is None:
        curve = Curve(plot, *style)
    curves[key] = curve  # now the most recently used
    if not curve.is_visible():
        curve.set_visible(plot, True)
    return curve


class PointMarks:
    """One scatter over every point of a plot: a ring around each noisy one, and each point's
    numbers (median, spread, repeats and, when noisy, why) as its hover tooltip.

    One item per plot however many points: hover search and drawing stay a single item's.
    A named entry in the legend says what the ring means; it shows only while a ring does.
    """

    def __init__(self, plot: pg.PlotItem, named: bool = True) -> None:
        self.scatter = pg.ScatterPlotItem(
            size=NOISY_RING,
            pen=pg.mkPen(NOISY_COLOUR, width=2.5),  # the legend's sample draws this ring
            brush=None,
            hoverable=True,
            tip=_tip,
            name=NOISY_LEGEND if named else None,  # one entry for plots that share a legend
        )
        self.scatter.setZValue(5)  # above the curves, so its hover sees the points
        plot.addItem(self.scatter, ignoreBounds=True)
        self._plot = plot
        self._rows: dict[object, tuple] = {}  # key -> (x, y, texts, noisy) of its points
        self._dirty = False  # points changed since the last redraw (a redraw is a setData)

    def set_points(self, key: object, x, y, rows: list[SummaryRow], value: str) -> None:
        """The points of ``key`` at (x, y); ``value`` says what y is, for the tooltip."""
        texts = [f"{point_text(row)}\n{value}: {v:.3g}" for row, v in zip(rows, y, strict=True)]
        self._rows[key] = (list(x), list(y), texts, [row.noisy for row in rows])
        self._dirty = True

    def drop(self, key: object) -> None:
        if self._rows.pop(key, None) is not None:
            self._dirty = True

    def clear(self) -> None:
        self._rows.clear()
        self._dirty = True
        self.redraw()

    def noisy_texts(self) -> list[str]:
        """The tooltips of the ringed points (for tests and the legend's count)."""
        pairs = (zip(texts, noisy, strict=True) for _, _, texts, noisy in self._rows.values())
        return [text for pair in pairs for text, loud in pair if loud]

    def redraw(self) -> None:
        """Move the scatter to the points set since the last call; nothing when unchanged."""
        if not self._dirty:
            return
        self._dirty = False
        spots = []
        ring = pg.mkPen(NOISY_COLOUR, width=2.5)
        hidden = pg.mkPen(None)
        for x, y, texts, noisy in self._rows.values():
            for px, py, text, loud in zip(x, y, texts, noisy, strict=True):
                spots.append(
                    {"pos": (px, py), "data": text, "pen": ring if loud else hidden, "brush": None}
                )
        self.scatter.setData(spots)
        self.scatter.setVisible(bool(spots))
        if isinstance(self._plot.legend, CollapsingLegend):
            shown = any(n for _, _, _, noisy in self._rows.values() for n in noisy)
            self._plot.legend.set_row_visible(self.scatter, shown)


def point_text(row: SummaryRow) -> str:
    """A point's numbers in words: what was measured, its spread and, when noisy, why."""
    workers = "1 worker" if row.backend == "serial" else f"{row.pool_size} workers"
    text = (
        f"{row.series} · {row.backend}, {workers}: median {row.median_s:.3g} s over "
        f"{row.repeats} repeat{'s' if row.repeats != 1 else ''} "
        f"(min {row.min_s:.3g}, max {row.max_s:.3g}, MAD {row.mad_s:.2g} s)"
    )
    reason = noise_reason(row)
    return f"{text}\n⚠ {reason}" if reason else text


def _tip(x: float, y: float, data: object) -> str:
    return str(data)
