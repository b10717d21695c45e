"""The timing plot's furniture: the log2 pool-size ticks, the cores line and the hints.

Plain helpers for the widget (timing_plot.py), which decides when they are redrawn.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt

from ...engine.stats import SummaryRow
from . import plot_style
from .timing_rows import nice_ceiling

# The x axis is log2 of the pool size; the label says so (issue 13: it did not).
POOL_AXIS = "Pool size (workers, log₂ scale)"
WALL_EMPTY = "Run a scenario: wall time per pool size appears here"
SPEED_EMPTY = "Run a sweep: speedup over the serial run appears here"
SPEED_NO_BASELINE = "Speedup needs a serial run of the same series as its baseline"
# During a run the wall axis keeps its top while the data needs between 1/LIVE_SLACK of it and
# all of it: every new top re-lays the axis and its grid (4-10 ms of a paint), and a sweep's
# points arrive in an order whose running maximum moves. ``settle()`` fits it once at the end.
LIVE_SLACK = 2.0


def core_line(plot: pg.PlotItem) -> pg.InfiniteLine:
    """A dotted vertical line at the core count; its name is a tick label under the axis
    (``set_pool_ticks``), never a label inside the plot where it could cover a point."""
    line = pg.InfiniteLine(
        angle=90,
        movable=False,
        pen=pg.mkPen(plot_style.CORES_COLOUR, width=1.5, style=Qt.PenStyle.DotLine),
    )
    line.setToolTip("The machine's core count: CPU-bound work cannot speed up past it")
    plot.addItem(line, ignoreBounds=True)
    return line


def make_hint(plot: pg.PlotItem) -> pg.TextItem:
    item = pg.TextItem("", anchor=(0.5, 0.5))
    plot.addItem(item, ignoreBounds=True)
    return item


def set_pool_ticks(
    plots: tuple[pg.PlotItem, ...], lines: list[pg.InfiniteLine], ticks: list[int], cores: int
) -> None:
    """Ticks at the pool sizes measured (log2 positions), the x range around them and the
    cores line; a costly re-lay of the axes, so the caller does it only when they change."""
    for plot in plots:
        plot.getAxis("bottom").setTicks(pool_ticks(ticks, cores))
        plot.setXRange(-0.3, math.log2(max(ticks + [cores])) + 0.3, padding=0)
    for line in lines:
        line.setValue(math.log2(cores))


def pool_ticks(sizes: list[int], cores: int) -> list[list[tuple[float, str]]]:
    """The bottom axis's ticks: the pool sizes, and the core count named "n cores" (as the
    label of its pool size when it is one, else as a tick of its own), under the dotted line."""
    name = f"{cores} core" + ("" if cores == 1 else "s")
    major = [(math.log2(size), name if size == cores else str(size)) for size in sizes]
    if cores not in sizes:
        major.append((math.log2(cores), name))
    return [sorted(major), []]


def speed_hint_text(rows: list[SummaryRow]) -> str:
    """What the speed view says when it has no speedup to show ('' when it has)."""
    if any(r.speedup is not None and r.backend != "serial" for r in rows):
        return ""
    return SPEED_NO_BASELINE if rows else SPEED_EMPTY


def wall_top(peaks: list[float], shown: float | None, live: bool) -> float:
    """A round top above every peak; with nothing to show, the top ``shown`` now (a run that
    starts does not move the axis twice: to an empty plot's and back), and during a run the
    top shown now while it still fits (see LIVE_SLACK)."""
    if not peaks:
        return 1.0 if shown is None else shown
    needed = nice_ceiling(1.08 * max(peaks))
    if live and shown is not None and needed <= shown <= LIVE_SLACK * needed:
        return shown
    return needed
