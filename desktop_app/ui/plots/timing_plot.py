"""The live timing plot: wall time against pool size, and speedup and efficiency.

Measurements are only stored on arrival; ``refresh`` (driven by the window's ~30 Hz timer)
summarizes them and moves the few plot items it owns with ``setData``, so a sweep costs one
summary and a handful of item updates per frame however many repeats arrive in between; a
live frame keeps to a budget and leaves the rest to the next.
The x axis is log2 of the pool size, ticked at the sizes measured (timing_axes.py). The ideal
curves follow what a series is bound by (timing_ideal.py); legends sit in a layout row below
the plots, never over data (plot_legend.py); noisy points get a ring and every point a tooltip
(timing_curves.py).

Each part (a backend's curves, the ideal curves, the axes, the hints) remembers what it was last
drawn from and is skipped when that did not change: pyqtgraph's ``setData`` and range changes
cost milliseconds each, and during a sweep only one backend changes per measurement. The run
feed draws only the tab on screen (``refresh_shown``); the other catches up when it is chosen.
The axes hold still during a sweep (the sizes are known when it starts, the tops are rounded up
to a few round values): a moved axis re-lays its text, the bulk of a repaint's 10-20 ms.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ...engine.records import Measurement
from ...engine.stats import SummaryRow, cpu_count, summarize
from . import plot_style
from .hops_view import HopsView
from .plot_legend import add_layout_legend
from .timing_axes import (
    POOL_AXIS,
    WALL_EMPTY,
    core_line,
    make_hint,
    set_pool_ticks,
    speed_hint_text,
    wall_top,
)
from .timing_curves import KEPT_CURVES, Curve, PointMarks, hide_all, reuse
from .timing_fits import FitCurves
from .timing_ideal import IdealCurves, ideal_points
from .timing_layout import TABS, arrange_speed, arrange_wall
from .timing_rows import Key as _Key
from .timing_rows import (
    baseline,
    bounds_of,
    group_rows,
    key_order,
    nice_ceiling,
    size_of,
)
from .why_view import WhyView

__all__ = ["KEPT_CURVES", "VIEWS", "TimingPlot"]

VIEWS = ("wall", "speed")  # the two tabs: wall time; speedup and efficiency
# A live frame stops drawing new parts past this and goes on at the next frame (~33 ms later):
# a new backend's curve costs 5-9 ms (an item, error bars and a legend entry), and a sweep
# that adds several at once stalled the event loop for 20-25 ms in one go.
FRAME_BUDGET_S = 0.006
MIN_WIDTH, MIN_HEIGHT = 360, 230
CONTINUE_MS = 16  # a refresh cut short by the budget goes on this much later


class TimingPlot(QWidget):
    """Wall time (median, min-max) and speedup/efficiency against pool size, per backend."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timingPlot")
        # Below this the axes, their labels and a legend row no longer fit without overlapping.
        self.setMinimumSize(MIN_WIDTH, MIN_HEIGHT)
        self._measurements: list[Measurement] = []
        self._cores = cpu_count()
        self._pending = set(VIEWS)  # views with measurements they have not drawn yet
        self._expected: tuple[int, ...] = ()  # the sizes the current run will measure
        # every curve built so far, least recently used first; the hidden ones wait for reuse
        self._curves: dict[str, dict[_Key, Curve]] = {"wall": {}, "speedup": {}, "efficiency": {}}
        self._rows: list[SummaryRow] = []
        self._drawn: dict[tuple, Any] = {}  # part -> what it was last drawn from
        self._continuing = False  # a budgeted refresh that stopped early will go on
        self._live = False  # a run is going: the wall axis only moves when it must (LIVE_SLACK)
        self._unplaced: set[str] = set()  # views redrawn since their legend was placed
        self._speed_arrangement: tuple = (False, "below")  # (side by side?, legend side)
        self._build()
        self._apply_theme()
        self.refresh()

    # --- construction ---------------------------------------------------------------------------

    def _build(self) -> None:
        self._tabs = QTabWidget(self)
        self._tabs.setDocumentMode(True)
        self._wall_view = pg.GraphicsLayoutWidget()
        self._wall = self._wall_view.addPlot(row=0, col=0)
        self._speed_view = pg.GraphicsLayoutWidget()
        self._speedup = self._speed_view.addPlot(row=0, col=0)
        self._efficiency = self._speed_view.addPlot(row=1, col=0)
        # One pool-size label under both plots, stacked or side by side (timing_layout.py).
        self._speed_x_label = self._speed_view.ci.addLabel("", row=2, col=0)
        self._efficiency.setXLink(self._speedup)
        self._hops = HopsView()  # issue 14: where a process pool's time went
        self.why = WhyView()  # issue 14: the gap to the ideal, split by cause, in words too
        pages = (self._wall_view, self._speed_view, self._hops, self.why)
        for page, (title, tip) in zip(pages, TABS, strict=True):
            self._tabs.setTabToolTip(self._tabs.addTab(page, title), tip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._tabs)
        for plot in (self._wall, self._speedup, self._efficiency):
            plot.setMenuEnabled(False)
            plot.getViewBox().setDefaultPadding(0.06)
        # Below the plots, never over them (issue 13: a floating legend hid points).
        self._wall_legend = add_layout_legend(self._wall_view.ci, 1, (self._wall,))
        self._speed_legend = add_layout_legend(
            self._speed_view.ci, 3, (self._speedup, self._efficiency)
        )
        self._marks = {
            view: PointMarks(self._plot(view), named=view != "efficiency")
            for view in ("wall", "speedup", "efficiency")
        }
        self._ideals = IdealCurves(self._wall, self._speedup, self._efficiency)
        self._fits = FitCurves(self._speedup)  # Amdahl per sweep (issue 14)
        self._core_lines = [
            core_line(plot) for plot in (self._wall, self._speedup, self._efficiency)
        ]
        self._hints = [make_hint(plot) for plot in (self._wall, self._speedup)]
        self._tabs.currentChanged.connect(self._on_tabs_current_changed)

    def _apply_theme(self) -> None:
        for view in (self._wall_view, self._speed_view):
            plot_style.style_view(view, self)
        for plot in (self._wall, self._speedup, self._efficiency):
            plot_style.style_plot(plot, self)
        plot_style.set_axis_label(self._wall, "left", "Wall time", self, units="s")
        plot_style.set_axis_label(self._wall, "bottom", POOL_AXIS, self)
        plot_style.set_axis_label(self._speedup, "left", "Speedup (×)", self)
        plot_style.set_axis_label(self._efficiency, "left", "Efficiency (%)", self)
        colour = plot_style.palette_colours(self)[1].name()
        size = f"{plot_style.axis_font(self).pointSizeF():.0f}pt"
        self._speed_x_label.setText(POOL_AXIS, color=colour, size=size)
        self._speedup.getAxis("left").setWidth(58)
        self._efficiency.getAxis("left").setWidth(58)
        for legend in (self._wall_legend, self._speed_legend):
            plot_style.style_legend(legend, self)
            legend.invalidate()
        self._unplaced.update(VIEWS)
        text = plot_style.palette_colours(self)[1]
        for hint in self._hints:
            hint.setColor(text)

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._apply_theme()
            self._pending.update(VIEWS)
            self._drawn.clear()
            self.refresh()
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # Qt override
        """The run feed skips a hidden plot: catch up when its tab is shown."""
        super().showEvent(event)
        self.refresh_shown()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """The parts follow the size (a cheap re-lay of a few labels and cells)."""
        super().resizeEvent(event)
        self._arrange()

    def _on_tabs_current_changed(self, _index: int) -> None:
        self._arrange()
        self.refresh_shown()

    def _arrange(self) -> None:
        """Legends below or beside the plots, speedup and efficiency stacked or side by side:
        whatever keeps every label clear in the space there is (timing_layout.py)."""
        # From this widget's size: in its resizeEvent the pages have not been resized yet.
        width = max(1.0, self.width() - 16.0)
        height = max(1.0, self.height() - self._tabs.tabBar().sizeHint().height() - 8.0)
        arrange_wall(self._wall_view.ci, self._wall_legend, width, height)
        self._speed_arrangement = arrange_speed(
            self._speed_view.ci,
            (self._efficiency, self._speed_x_label, self._speed_legend),
            width,
            height,
            self._speed_arrangement,
        )

    # --- public API -----------------------------------------------------------------------------

    def clear(self, expected_sizes: tuple[int, ...] = ()) -> None:
        """Forget the measurements; ``expected_sizes`` (the coming sweep's) go on the x axis."""
        self._measurements.clear()
        self._expected = tuple(expected_sizes)
        self._live = True
        self._wall_legend.hold(True)
        self._speed_legend.hold(True)
        for view, curves in self._curves.items():
            hide_all(self._plot(view), curves)
            self._marks[view].clear()
        self._ideals.hide()
        self._fits.hide()
        self.why.clear()  # made again when the run ends
        # The axes stay as they are until the new run needs them moved: a re-run of the same
        # sweep then never re-lays their text (5-10 ms a paint).
        self._drawn = {part: done for part, done in self._drawn.items() if part[0] in ("x", "y")}
        self._pending.update(VIEWS)
        if self.isVisible():  # a hidden plot draws when it is shown (Run stays snappy)
            self.refresh_shown()

    def settle(self) -> None:
        """The run is over: fit the axes to what it measured (during it they move lazily)."""
        self._live = False
        self._wall_legend.hold(False)
        self._speed_legend.hold(False)
        self._pending.update(VIEWS)

    def set_cores(self, n: int) -> None:
        self._cores = max(1, int(n))
        self._pending.update(VIEWS)

    def add_measurement(self, m: Measurement) -> None:
        self._measurements.append(m)
        self._pending.update(VIEWS)

    def measurements(self) -> list[Measurement]:
        return list(self._measurements)

    def plot_item(self) -> pg.PlotItem:
        """The wall-time plot (its curves, axes and ``legend``)."""
        return self._wall

    def export_item(self, view: str | None = None) -> pg.GraphicsLayout:
        """What a tab draws, plots and legend, for the PNG and SVG exporters: the legend is a
        layout row of its own, so exporting a plot item alone would leave it out. ``view`` is
        "wall", "speed", "hops" or "why"; by default the shown tab."""
        if view is None:
            view = (*VIEWS, "hops", "why")[self._tabs.currentIndex()]
        if view == "hops":
            return self._hops.export_item()
        if view == "why":
            return self.why.export_item()
        return (self._speed_view if view == "speed" else self._wall_view).ci

    def legend(self, view: str = "wall"):
        """The legend of ``view`` ("wall" or "speed")."""
        return self._wall_legend if view == "wall" else self._speed_legend

    def noisy_point_texts(self, view: str = "wall") -> list[str]:
        """Tooltips of the points ringed as noisy on ``view`` ("wall", "speedup", "efficiency")."""
        return self._marks[view].noisy_texts()

    def is_dirty(self, view: str | None = None) -> bool:
        """Whether ``view`` ("wall" or "speed"; by default either) has something to draw."""
        return bool(self._pending) if view is None else view in self._pending

    def current_view(self) -> int:
        return self._tabs.currentIndex()

    def set_current_view(self, index: int) -> None:
        self._tabs.setCurrentIndex(index)

    def refresh(self) -> None:
        """Summarize the stored measurements and move the plot items; nothing when unchanged."""
        self._refresh(VIEWS)
        self._hops.show_measurements(self._measurements)

    def refresh_shown(self) -> None:
        """``refresh()`` for the view whose tab is chosen (the live frames draw only that),
        within a frame's budget: what is left waits for the next frame."""
        index = max(0, self._tabs.currentIndex())
        if index >= len(VIEWS):  # Hops: one cheap redraw, only when they changed; Why: at the end
            self._hops.show_measurements(self._measurements)
            return
        self._refresh((VIEWS[index],), FRAME_BUDGET_S)

    def _refresh(self, views: Sequence[str], budget_s: float | None = None) -> None:
        views = [view for view in views if view in self._pending]
        if not views:
            return
        began = time.perf_counter()
        self._pending.difference_update(views)
        rows = self._rows = summarize(self._measurements, self._cores, serial_as_one_worker=True)
        groups = group_rows(rows)
        sizes = sorted({size_of(row) for row in rows})
        many_series = len({series for series, _ in groups}) > 1
        for step in self._steps(views, groups, rows, sizes, many_series):
            step()  # checked after, not before: a step's inputs are recorded as it is made
            if budget_s is not None and time.perf_counter() - began > budget_s:
                self._pending.update(views)  # the next frame goes on from here
                if not self._continuing:  # also when no run feed ticks any more (the last frame)
                    self._continuing = True
                    QTimer.singleShot(CONTINUE_MS, self._continue)
                return

    def _continue(self) -> None:
        self._continuing = False
        if self.isVisible():
            self.refresh_shown()

    def _steps(self, views, groups, rows, sizes, many_series) -> Iterator[Callable[[], None]]:
        """The refresh in steps of a few milliseconds at most, so a frame can stop between
        them; a step whose inputs did not change since it was last drawn is skipped whole."""
        for index, (key, group) in enumerate(sorted(groups.items(), key=key_order)):
            colour = plot_style.series_colour(key[0], key[1], index, many_series)
            inputs = (tuple(group), colour.name(), many_series)
            for view in views:
                if self._changed(("key", view, key), inputs):
                    draw = self._draw_wall_key if view == "wall" else self._draw_speed_key
                    yield functools.partial(draw, key, group, colour, many_series)
        for view in views:
            yield functools.partial(self._draw_marks, view)
            yield functools.partial(self._draw_ideal, view, groups, sizes, many_series)
            yield functools.partial(self._draw_axes, view, sizes)
            yield functools.partial(self._draw_hints, view, rows)
            if view in self._unplaced:
                yield functools.partial(self._place_legend, view)

    def _place_legend(self, view: str) -> None:
        self._unplaced.discard(view)
        self._arrange()

    def _plot(self, view: str) -> pg.PlotItem:
        return {"wall": self._wall, "speedup": self._speedup, "efficiency": self._efficiency}[view]

    def _changed(self, part: tuple, inputs: object) -> bool:
        """Whether ``part`` must be redrawn for ``inputs``; remembers them when it must."""
        if part in self._drawn and self._drawn[part] == inputs:
            return False
        self._drawn[part] = inputs
        self._unplaced.add("wall" if part[1] == "wall" else "speed")  # curves or axes move
        return True

    # --- drawing --------------------------------------------------------------------------------

    def _curve(self, view: str, key: _Key, colour, many_series: bool) -> Curve:
        name = None if view == "efficiency" else f"{key[0]} · {key[1]}" if many_series else key[1]
        symbol = "s" if key[1] == "serial" else "o"
        plot = self._plot(view)
        return reuse(self._curves[view], key, plot, name, colour, symbol, view == "wall")

    def _draw_marks(self, view: str) -> None:
        for name in ("wall",) if view == "wall" else ("speedup", "efficiency"):
            self._marks[name].redraw()

    def _draw_wall_key(self, key: _Key, group: list[SummaryRow], colour, many: bool) -> None:
        x = np.log2([size_of(row) for row in group])
        median = np.array([row.median_s for row in group])
        wall = self._curve("wall", key, colour, many)
        assert wall.bars is not None  # the wall view's curves are made with error bars
        wall.line.setData(x, median)
        wall.bars.setData(
            x=x,
            y=median,
            top=np.array([row.max_s for row in group]) - median,
            bottom=median - np.array([row.min_s for row in group]),
        )
        self._marks["wall"].set_points(key, x, median, group, "median wall time (s)")

    def _draw_speed_key(self, key: _Key, group: list[SummaryRow], colour, many: bool) -> None:
        scaled = [row for row in group if row.speedup is not None and row.efficiency is not None]
        if key[1] == "serial" or not scaled:
            return
        sx = np.log2([size_of(row) for row in scaled])
        speedups = [r.speedup for r in scaled]
        efficiencies = [100.0 * cast(float, r.efficiency) for r in scaled]  # set: see scaled
        self._curve("speedup", key, colour, many).line.setData(sx, speedups)
        self._curve("efficiency", key, colour, many).line.setData(sx, efficiencies)
        self._marks["speedup"].set_points(key, sx, speedups, scaled, "speedup (×)")
        sizes = [size_of(row) for row in scaled]
        self._fits.draw(key, sizes, [r.ideal_speedup for r in scaled], speedups, colour, many)
        self._fits.draw_intervals(key, sizes, speedups, self._measurements, colour)
        self._marks["efficiency"].set_points(key, sx, efficiencies, scaled, "efficiency (%)")

    def _draw_ideal(
        self, view: str, groups: dict[_Key, list[SummaryRow]], sizes: list[int], many: bool
    ) -> None:
        """The ideal curves (timing_ideal.py) for the series' models; skipped when unchanged."""
        bounds = bounds_of(groups)
        bases = {s: baseline(s, groups, self._cores, bounds[s]) for s in sorted(bounds)}
        inputs = (tuple(sizes), self._cores, many, bases, tuple(sorted(bounds.items())))
        if not self._changed(("ideal", view), inputs):
            return
        if not sizes:
            self._ideals.hide(view)
            return
        p = ideal_points(sizes, self._cores)
        if view == "speed":
            self._ideals.draw_speed(p, set(bounds.values()), self._cores)
        else:
            self._ideals.draw_wall(p, bases, bounds, self._cores, many)

    def _draw_axes(self, view: str, sizes: list[int]) -> None:
        plots = (self._wall,) if view == "wall" else (self._speedup, self._efficiency)
        lines = self._core_lines[:1] if view == "wall" else self._core_lines[1:]
        ticks = sorted(set(sizes) | set(self._expected) | {1})
        if self._changed(("x", view), (tuple(ticks), self._cores)):
            set_pool_ticks(plots, lines, ticks, self._cores)
        if view == "wall":
            if self._changed(("y", view), self._wall_top()):
                self._wall.setYRange(0, self._wall_top(), padding=0)
            return
        speedups = [r.speedup for r in self._rows if r.speedup is not None]
        if any(row.bound == "io" for row in self._rows):  # the I/O ideal climbs to max p
            speedups.append(float(max(sizes, default=1)))
        top_speedup = nice_ceiling(1.2 * max([float(self._cores), *speedups]))
        if self._changed(("y", view), top_speedup):
            self._efficiency.setYRange(0, 110, padding=0)
            self._speedup.setYRange(0, top_speedup, padding=0)

    def _wall_top(self) -> float:
        """The wall axis's top for every visible point and bar (``timing_axes.wall_top``)."""
        curves = [*self._curves["wall"].values(), *self._ideals.walls.values()]
        tops = [curve.line.yData for curve in curves if curve.is_visible()]
        peaks = [float(np.max(y)) for y in tops if y is not None and len(y)]
        peaks += [row.max_s for row in self._rows]
        return wall_top(peaks, self._drawn.get(("y", "wall")), self._live)

    def _draw_hints(self, view: str, rows: list[SummaryRow]) -> None:
        mid_x = 0.5 * math.log2(max(self._cores, 2))
        wall_hint, speed_hint = self._hints
        if view == "wall":
            if self._changed(("hints", view), (bool(rows), self._wall_top(), self._cores)):
                wall_hint.setText("" if rows else WALL_EMPTY)
                wall_hint.setPos(mid_x, 0.5 * self._wall_top())
            return
        text = speed_hint_text(rows)
        if self._changed(("hints", view), (text, self._cores)):
            speed_hint.setText(text)
            speed_hint.setPos(mid_x, 0.5 * max(self._cores, 2))
