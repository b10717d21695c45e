"""The timeline's four bar items (ok in two shades, failed, running) and their colours.

Every bar of a kind is one ``BarGraphItem``, drawn with one ``QPainter.drawRects`` call, so
100,000 spans cost four items, not 100,000 (task_timeline.py decides what they hold).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPainterPath

from . import plot_style

BAR_HEIGHT = 0.72
KINDS = ("ok", "ok_alt", "failed", "running")


class SpanBars(pg.BarGraphItem):
    """A bar item whose shape is its bounding box.

    BarGraphItem's own ``shape()`` adds every rectangle to a path in Python, which the scene
    calls on the first hover: seconds for 100,000 bars. Hover is handled by the timeline.
    """

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.boundingRect())
        return path


def make_bar_items(plot: pg.PlotItem) -> dict[str, SpanBars]:
    items = {name: SpanBars(x0=[], x1=[], y0=[], y1=[]) for name in KINDS}
    for item in items.values():
        plot.addItem(item)
    return items


def set_bar(item: SpanBars, bars: tuple[np.ndarray, ...]) -> None:
    """Bars as (start, end, row): each row's bar is ``BAR_HEIGHT`` tall around its row."""
    start, end, row = bars
    top = np.asarray(row, float) - BAR_HEIGHT / 2
    item.setOpts(x0=start, x1=end, y0=top, y1=top + BAR_HEIGHT)


def outcome_colours(dark: bool) -> dict[str, QColor]:
    """The kinds' colours; the second ok shade is lighter on a dark background, darker on a
    light one, so it keeps its contrast against the first."""
    ok = QColor(plot_style.OUTCOME_COLOURS["ok"])
    return {
        "ok": ok,
        "ok_alt": ok.lighter(125) if dark else ok.darker(118),
        "failed": QColor(plot_style.OUTCOME_COLOURS["failed"]),
        "running": QColor(plot_style.OUTCOME_COLOURS["running"]),
    }


def style_bars(items: dict[str, SpanBars], colours: dict[str, QColor]) -> None:
    for name, item in items.items():
        # Finished bars are at least a pixel wide in the data (see lod_bars): an outline that
        # kept microsecond tasks visible doubled a repaint (5,000 bars: 4.7 ms against
        # 2.2 ms). The few running bars keep a 1 px cosmetic outline.
        pen = pg.mkPen(colours[name], width=0) if name == "running" else pg.mkPen(None)
        item.setOpts(brush=pg.mkBrush(colours[name]), pen=pen)


def legend_html(colours: dict[str, QColor]) -> str:
    """The key above the timeline: both ok shades (they alternate along a row), failed, running."""
    ok = (
        f"<span style='color:{colours['ok'].name()}'>■</span>"
        f"<span style='color:{colours['ok_alt'].name()}'>■</span> ok (shades alternate)"
    )
    chips = [
        f"<span style='color:{colours[key].name()}'>■</span> {key}" for key in ("failed", "running")
    ]
    return "&nbsp;&nbsp;".join([ok, *chips])
