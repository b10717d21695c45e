"""Where the timing plot's parts go for the space it has, so nothing overlaps at small sizes.

The tabs (``TABS``: titles and tooltips) and their parts: speedup and efficiency stack or sit
side by side, and the legend goes below the plots or to their right, whichever leaves each
plot the most room above the size at which its labels overlap (stacked in a short view, each
plot was shorter than its rotated axis label and the two labels overlapped: issue 13,
640 x 480). The legend never floats over data.
"""

from __future__ import annotations

import pyqtgraph as pg

from .plot_legend import LayoutLegend

# The timing plot's tabs, in order: title and tooltip.
TABS = (
    ("Wall time", "Median wall time per pool size; bars span min to max"),
    (
        "Speedup && efficiency",
        "Speedup over the serial run (bars: its 95 % bootstrap interval over the repeats; "
        "dotted: Amdahl's law, dash-dot: the USL, fitted on the workers that could run at "
        "once: Amdahl needs two such counts, the USL three), and speedup per worker",
    ),
    ("Hops", "Process pools: start-up, then the wall time split by where each chunk's time went"),
    (
        "Why not N×",
        "Each pool size's wall time: the ideal, then overhead, imbalance, waiting, the rest",
    ),
)

RIGHT_ADVANTAGE = 1.15  # the legend moves right only for this much more plot area
# A plot smaller than this overlaps its own labels: the rotated "Efficiency (%)" is ~95 px tall
# plus tick labels; a plot with its own pool-size label (~200 px long) needs the width for it.
MIN_PLOT_H = 120
MIN_PLOT_W = 170  # the speed view's plots share one pool-size label below them
MIN_LABELLED_W = 250  # the wall plot's own pool-size label
CRAMPED = 0.1  # an arrangement whose plots are under the minimum counts a tenth of its area


def legend_box(legend: LayoutLegend, side: str, width: float, height: float) -> tuple:
    """(width, height) the legend takes on ``side`` of a ``width`` x ``height`` view."""
    if side == "below":
        return width, legend.height_for(width)
    return legend.size_for_height(height)


def plot_cell(
    legend: LayoutLegend, side: str, width: float, height: float, columns: int, rows: int
) -> tuple[float, float]:
    """The size each of ``columns`` x ``rows`` plots gets once the legend has its place."""
    lw, lh = legend_box(legend, side, width, height)
    if side == "below":
        return width / columns, max(0.0, height - lh) / rows
    return max(0.0, width - lw) / columns, height / rows


def score(cell: tuple[float, float], min_w: float) -> float:
    w, h = cell
    return w * h * (1.0 if w >= min_w and h >= MIN_PLOT_H else CRAMPED)


def choose(legend: LayoutLegend, width: float, height: float, plots: int) -> tuple[bool, str]:
    """(side by side?, legend side) giving the plots the most room without cramping them;
    with one plot, side by side means nothing. The legend goes right only when that is
    clearly better: below, its rows read in order."""
    best, choice = -1.0, (False, "below")
    min_w = MIN_PLOT_W if plots > 1 else MIN_LABELLED_W
    layouts = [(False, 1, plots)] + ([(True, plots, 1)] if plots > 1 else [])
    for side_by_side, columns, rows in layouts:
        for side, bias in (("below", RIGHT_ADVANTAGE), ("right", 1.0)):
            cell = plot_cell(legend, side, width, height, columns, rows)
            value = bias * score(cell, min_w)
            if value > best:
                best, choice = value, (side_by_side, side)
    return choice


def move(layout: pg.GraphicsLayout, item, row: int, col: int, rowspan=1, colspan=1) -> None:
    """Put ``item`` in the given cell of ``layout`` (taking it out of its old one)."""
    if item in layout.items:
        if layout.items[item] == _cells(row, col, rowspan, colspan):
            return
        layout.removeItem(item)
    layout.addItem(item, row=row, col=col, rowspan=rowspan, colspan=colspan)


def _cells(row: int, col: int, rowspan: int, colspan: int) -> list[tuple[int, int]]:
    return [(row + i, col + j) for i in range(rowspan) for j in range(colspan)]


def arrange_wall(
    layout: pg.GraphicsLayout, legend: LayoutLegend, width: float, height: float
) -> None:
    """The wall plot sits at (0, 0); its legend below it or to its right, as ``choose`` says."""
    _, side = choose(legend, width, height, plots=1)
    legend.fit_width(legend_box(legend, side, width, height)[0])
    move(layout, legend, *((0, 1) if side == "right" else (1, 0)))


def arrange_speed(
    layout: pg.GraphicsLayout,
    parts: tuple[pg.PlotItem, pg.LabelItem, LayoutLegend],
    width: float,
    height: float,
    current: tuple[bool, str],
) -> tuple[bool, str]:
    """Speedup at (0, 0); efficiency below it or beside it; their one pool-size label below
    both; the legend after all of them. Returns the arrangement (side by side?, legend side);
    the cells move only when it differs from ``current``."""
    efficiency, x_label, legend = parts
    side_by_side, side = choose(legend, width, height, plots=2)
    legend.fit_width(legend_box(legend, side, width, height)[0])
    if (side_by_side, side) == current:
        return current
    for item in (legend, x_label):  # they leave first, so the plot's new cell is free
        if item in layout.items:
            layout.removeItem(item)
    columns = 2 if side_by_side else 1
    label_row = 1 if side_by_side else 2
    move(layout, efficiency, 0 if side_by_side else 1, 1 if side_by_side else 0)
    layout.addItem(x_label, row=label_row, col=0, colspan=columns)
    if side == "right":
        layout.addItem(legend, row=0, col=columns, rowspan=label_row + 1)
    else:
        layout.addItem(legend, row=label_row + 1, col=0, colspan=columns)
    return side_by_side, side
