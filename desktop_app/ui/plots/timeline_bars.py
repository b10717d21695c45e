"""The timeline's six bar items (waiting and ok, each in two shades; failed; running), coloured.

Every bar of a kind is one ``BarGraphItem``, drawn with one ``QPainter.drawRects`` call, so
100,000 spans cost six items, not 100,000 (task_timeline.py decides what they hold). A
finished bar is filled from its bottom edge to its on-CPU share; the pale "waiting" bar behind
it shows the rest of its wall time. Height, not length: the worker's CPU time is spread over
the task, so a solid stretch at its start would claim a moment the data does not know.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPainterPath

from . import plot_style

BAR_HEIGHT = 0.72
KINDS = ("waiting", "waiting_alt", "ok", "ok_alt", "failed", "running")  # drawn in order


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
    """Bars as (start, end, row[, fill]): each row's bar is ``BAR_HEIGHT`` tall around its
    row, or ``fill`` of that from its bottom edge (the view's y axis points down)."""
    start, end, row = bars[:3]
    bottom = np.asarray(row, float) + BAR_HEIGHT / 2
    fill = np.asarray(bars[3], float) if len(bars) > 3 else np.ones(len(start))
    item.setOpts(x0=start, x1=end, y0=bottom - BAR_HEIGHT * fill, y1=bottom)


def outcome_colours(dark: bool) -> dict[str, QColor]:
    """The kinds' colours; the second ok shade is lighter on a dark background, darker on a
    light one, so it keeps its contrast against the first."""
    ok = QColor(plot_style.OUTCOME_COLOURS["ok"])
    ok_alt = ok.lighter(125) if dark else ok.darker(118)
    waiting, waiting_alt = QColor(ok), QColor(ok_alt)
    waiting.setAlpha(70)
    waiting_alt.setAlpha(70)
    return {
        "waiting": waiting,
        "waiting_alt": waiting_alt,
        "ok": ok,
        "ok_alt": ok_alt,
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


def legend_html(colours: dict[str, QColor], waiting_text: str = "") -> str:
    """The key above the timeline: both ok shades (they alternate along a row), failed,
    running, and what the filled height and the pale rest of a bar mean."""
    ok = (
        f"<span style='color:{colours['ok'].name()}'>■</span>"
        f"<span style='color:{colours['ok_alt'].name()}'>■</span> ok (shades alternate)"
    )
    chips = [
        f"<span style='color:{colours[key].name()}'>■</span> {key}" for key in ("failed", "running")
    ]
    waiting = colours["waiting"]
    rgba = f"rgba({waiting.red()},{waiting.green()},{waiting.blue()},{waiting.alphaF():.2f})"
    share = f"filled: on a CPU, <span style='color:{rgba}'>■</span> {waiting_text or 'waiting'}"
    return "&nbsp;&nbsp;".join([ok, *chips, share])
