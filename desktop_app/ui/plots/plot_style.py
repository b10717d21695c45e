"""One look for every plot: colours, fonts and axes taken from the widget's palette.

The plots follow the system palette (dark or light) instead of pyqtgraph's black default, so a
plot sits in the window like any other widget; the data colours are mid-luminance hues from the
Tableau 10 set, which keep their contrast on both a dark and a light background.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QGraphicsItem, QWidget

SERIES_COLOURS = (
    "#4e79a7",  # blue
    "#f28e2b",  # orange
    "#59a14f",  # green
    "#e15759",  # red
    "#b07aa1",  # purple
    "#76b7b2",  # teal
    "#edc948",  # yellow
    "#9c755f",  # brown
    "#ff9da7",  # pink
    "#bab0ac",  # grey
)
# Fixed colours for the backends, so "processes" is the same orange in every run and view.
BACKEND_COLOURS = {
    "serial": "#8c8c8c",
    "threads": "#4e79a7",
    "processes": "#f28e2b",
    "pool": "#59a14f",
}
OUTCOME_COLOURS = {"ok": "#59a14f", "failed": "#e15759", "running": "#f2b134"}
IDEAL_COLOUR = "#9467bd"
# One colour per model of the ideal (stats.ideal_speedup): purple min(p, cores), cyan p.
IDEAL_COLOURS = {"cpu": IDEAL_COLOUR, "io": "#17a2b8"}
CORES_COLOUR = "#d62728"


def colour_for(index: int) -> QColor:
    return QColor(SERIES_COLOURS[index % len(SERIES_COLOURS)])


def series_colour(series: str, backend: str, index: int, many_series: bool) -> QColor:
    """A backend keeps its colour while one series is shown; with several, each key differs."""
    if not many_series and backend in BACKEND_COLOURS:
        return QColor(BACKEND_COLOURS[backend])
    return colour_for(index)


def palette_colours(widget: QWidget) -> tuple[QColor, QColor, QColor]:
    """(background, text, grid) of ``widget``'s palette."""
    palette = widget.palette()
    background = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    grid = QColor(text)
    grid.setAlpha(60)
    return background, text, grid


def is_dark(widget: QWidget) -> bool:
    return palette_colours(widget)[0].lightnessF() < 0.5


def axis_font(widget: QWidget) -> QFont:
    font = QFont(widget.font())
    if font.pointSizeF() > 0:
        font.setPointSizeF(max(8.0, font.pointSizeF() * 0.95))
    return font


def style_plot(plot: pg.PlotItem, widget: QWidget) -> None:
    """Axes and grid of ``plot`` in the colours of ``widget``'s palette."""
    _, text, _ = palette_colours(widget)
    font = axis_font(widget)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(text, width=1))
        axis.setTextPen(pg.mkPen(text))
        # Two tick levels, not three: the third's 20-40 faint grid lines were a third of an
        # axis re-lay (a 900 x 400 plot's frame: 5.4 ms, 3.5 ms with two; axis_relay.py).
        axis.setStyle(tickFont=font, tickTextOffset=4, maxTickLevel=1)
        # An axis draws its grid lines across the whole plot, so every curve update repainted
        # both axes (text and all: 6 ms each, tests/benchmarks/gui_latency.py --profile). Cached
        # as a pixmap, an axis is drawn again only when its ticks change.
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    plot.showGrid(x=True, y=True, alpha=0.18)


def style_legend(legend: pg.LegendItem | None, widget: QWidget) -> None:
    if legend is None:
        return
    background, text, grid = palette_colours(widget)
    fill = QColor(background)
    fill.setAlpha(215)
    legend.setBrush(pg.mkBrush(fill))
    legend.setPen(pg.mkPen(grid))
    legend.setLabelTextColor(text)
    legend.setLabelTextSize(f"{axis_font(widget).pointSizeF():.0f}pt")
    for _, label in legend.items:  # setAttr alone does not re-render an existing label
        label.setText(label.text)


def style_view(view: pg.GraphicsView, widget: QWidget) -> None:
    view.setBackground(palette_colours(widget)[0])


def set_axis_label(
    plot: pg.PlotItem, side: str, text: str, widget: QWidget, units: str = ""
) -> None:
    colour = palette_colours(widget)[1].name()
    size = f"{axis_font(widget).pointSizeF():.0f}pt"
    kwargs = {"units": units} if units else {}
    plot.setLabel(side, text, color=colour, **{"font-size": size}, **kwargs)
