"""The live timing plot: wall time against pool size, and speedup and efficiency.

Measurements are only stored on arrival; ``refresh`` (driven by the window's ~30 Hz timer)
summarizes them and moves the few plot items it owns with ``setData``, so a sweep costs one
summary and a handful of item updates per frame however many repeats arrive in between; a
live frame keeps to a budget and leaves the rest to the next.
The x axis is log2 of the pool size with ticks at the sizes actually measured.

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
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ...engine.records import Measurement
from ...engine.stats import SummaryRow, cpu_count, summarize
from . import plot_style
from .plot_legend import CollapsingLegend, add_legend
from .timing_rows import Key as _Key
from .timing_rows import (
    baseline,
    group_rows,
    key_order,
    nice_ceiling,
    one_worker_serial,
    place_legend,
    size_of,
)

VIEWS = ("wall", "speed")  # the two tabs: wall time; speedup and efficiency
# A live frame stops drawing new parts past this and goes on at the next frame (~33 ms later):
# a new backend's curve costs 5-9 ms (an item, error bars and a legend entry), and a sweep
# that adds several at once stalled the event loop for 20-25 ms in one go.
FRAME_BUDGET_S = 0.006
CONTINUE_MS = 16  # a refresh cut short by the budget goes on this much later
KEPT_CURVES = 16  # hidden curves kept per plot for the next runs; the least recently used go
# During a run the wall axis keeps its top while the data needs between 1/LIVE_SLACK of it and
# all of it: every new top re-lays the axis and its grid (4-10 ms of a paint), and a sweep's
# points arrive in an order whose running maximum moves. ``settle()`` fits it once at the end.
LIVE_SLACK = 2.0


class _Curve:
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
        dashed: bool = False,
    ) -> None:
        self.style = _Curve.style_of(name, colour, symbol, bars, dashed)
        style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
        pen = pg.mkPen(colour, width=2, style=style)
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
    def style_of(name, colour, symbol, bars=False, dashed=False) -> tuple:
        return name, pg.mkColor(colour).name(), symbol, bars, dashed

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


class TimingPlot(QWidget):
    """Wall time (median, min-max) and speedup/efficiency against pool size, per backend."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timingPlot")
        self._measurements: list[Measurement] = []
        self._cores = cpu_count()
        self._pending = set(VIEWS)  # views with measurements they have not drawn yet
        self._expected: tuple[int, ...] = ()  # the sizes the current run will measure
        # every curve built so far, least recently used first; the hidden ones wait for reuse
        self._curves: dict[str, dict[_Key, _Curve]] = {"wall": {}, "speedup": {}, "efficiency": {}}
        self._ideal_walls: dict[str, _Curve] = {}  # per series: serial / min(p, cores)
        self._rows: list[SummaryRow] = []
        self._drawn: dict[tuple, Any] = {}  # part -> what it was last drawn from
        self._continuing = False  # a budgeted refresh that stopped early will go on
        self._live = False  # a run is going: the wall axis only moves when it must (LIVE_SLACK)
        self._unplaced: set[str] = set()  # views redrawn since their legend was placed
        self._build()
        self._apply_theme()
        self.refresh()

    # --- construction ---------------------------------------------------------------------------

    def _build(self) -> None:
        self._tabs = QTabWidget(self)
        self._tabs.setDocumentMode(True)
        self._wall_view = pg.PlotWidget()
        self._wall = self._wall_view.getPlotItem()
        self._speed_view = pg.GraphicsLayoutWidget()
        self._speedup = self._speed_view.addPlot(row=0, col=0)
        self._efficiency = self._speed_view.addPlot(row=1, col=0)
        self._efficiency.setXLink(self._speedup)
        self._tabs.addTab(self._wall_view, "Wall time")
        self._tabs.addTab(self._speed_view, "Speedup && efficiency")
        self._tabs.setTabToolTip(0, "Median wall time per pool size; bars span min to max")
        self._tabs.setTabToolTip(1, "Speedup over the serial run, and speedup per worker")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._tabs)
        for plot in (self._wall, self._speedup, self._efficiency):
            plot.setMenuEnabled(False)
            plot.getViewBox().setDefaultPadding(0.06)
        self._wall_legend = add_legend(self._wall, offset=(10, -10))
        self._speed_legend = add_legend(self._speedup, offset=(10, 10))
        dashed = pg.mkPen(plot_style.IDEAL_COLOUR, width=2, style=Qt.PenStyle.DashLine)
        self._ideal_speedup = self._speedup.plot([], [], pen=dashed, name="ideal: min(p, cores)")
        self._ideal_efficiency = self._efficiency.plot([], [], pen=dashed)
        self._core_lines = [
            self._core_line(plot) for plot in (self._wall, self._speedup, self._efficiency)
        ]
        self._hints = [self._hint(plot) for plot in (self._wall, self._speedup)]
        self._tabs.currentChanged.connect(lambda _index: self.refresh_shown())

    def _core_line(self, plot: pg.PlotItem) -> pg.InfiniteLine:
        line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(plot_style.CORES_COLOUR, width=1.5, style=Qt.PenStyle.DotLine),
            label="",
            labelOpts={
                "position": 0.06,
                "color": plot_style.CORES_COLOUR,
                "anchors": [(0, 0.5), (0, 0.5)],
            },
        )
        plot.addItem(line, ignoreBounds=True)
        return line

    def _hint(self, plot: pg.PlotItem) -> pg.TextItem:
        hint = pg.TextItem("", anchor=(0.5, 0.5))
        plot.addItem(hint, ignoreBounds=True)
        return hint

    def _apply_theme(self) -> None:
        for view in (self._wall_view, self._speed_view):
            plot_style.style_view(view, self)
        for plot in (self._wall, self._speedup, self._efficiency):
            plot_style.style_plot(plot, self)
        plot_style.set_axis_label(self._wall, "left", "Wall time", self, units="s")
        plot_style.set_axis_label(self._wall, "bottom", "Pool size (workers)", self)
        plot_style.set_axis_label(self._speedup, "left", "Speedup (×)", self)
        plot_style.set_axis_label(self._efficiency, "left", "Efficiency (%)", self)
        plot_style.set_axis_label(self._efficiency, "bottom", "Pool size (workers)", self)
        self._speedup.getAxis("left").setWidth(58)
        self._efficiency.getAxis("left").setWidth(58)
        plot_style.style_legend(self._wall_legend, self)
        plot_style.style_legend(self._speed_legend, self)
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

    # --- public API -----------------------------------------------------------------------------

    def clear(self, expected_sizes: tuple[int, ...] = ()) -> None:
        """Forget the measurements; ``expected_sizes`` (the coming sweep's) go on the x axis."""
        self._measurements.clear()
        self._expected = tuple(expected_sizes)
        self._live = True
        for view, curves in self._curves.items():
            self._hide_all(self._plot(view), curves)
        self._hide_all(self._wall, self._ideal_walls)
        # The axes stay as they are until the new run needs them moved: a re-run of the same
        # sweep then never re-lays their text (5-10 ms a paint).
        self._drawn = {part: done for part, done in self._drawn.items() if part[0] in ("x", "y")}
        self._pending.update(VIEWS)
        if self.isVisible():  # a hidden plot draws when it is shown (Run stays snappy)
            self.refresh_shown()

    def settle(self) -> None:
        """The run is over: fit the axes to what it measured (during it they move lazily)."""
        self._live = False
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
        """The wall-time plot, for the PNG and SVG exporters."""
        return self._wall

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

    def refresh_shown(self) -> None:
        """``refresh()`` for the view whose tab is chosen (the live frames draw only that),
        within a frame's budget: what is left waits for the next frame."""
        self._refresh((VIEWS[max(0, self._tabs.currentIndex())],), FRAME_BUDGET_S)

    def _refresh(self, views: Sequence[str], budget_s: float | None = None) -> None:
        views = [view for view in views if view in self._pending]
        if not views:
            return
        began = time.perf_counter()
        self._pending.difference_update(views)
        rows = self._rows = summarize(map(one_worker_serial, self._measurements), self._cores)
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
            yield functools.partial(self._draw_ideal, view, groups, sizes, many_series)
            yield functools.partial(self._draw_axes, view, sizes)
            yield functools.partial(self._draw_hints, view, rows)
            if view in self._unplaced:
                yield functools.partial(self._place_legend, view)

    def _place_legend(self, view: str) -> None:
        self._unplaced.discard(view)
        if view == "wall":
            place_legend(self._wall, self._wall_legend)
        else:
            place_legend(self._speedup, self._speed_legend)

    def _plot(self, view: str) -> pg.PlotItem:
        return {"wall": self._wall, "speedup": self._speedup, "efficiency": self._efficiency}[view]

    @staticmethod
    def _hide_all(plot: pg.PlotItem, curves: dict) -> None:
        """Hide every curve for the next run; past ``KEPT_CURVES``, remove the stalest."""
        for curve in curves.values():
            curve.set_visible(plot, False)
        for key in list(curves)[: max(0, len(curves) - KEPT_CURVES)]:
            curves.pop(key).remove(plot)

    @staticmethod
    def _reuse(curves: dict, key: object, plot: pg.PlotItem, *style) -> _Curve:
        """The curve for ``key``, shown: the kept one if its style fits, else a new one."""
        curve = curves.pop(key, None)
        if curve is not None and curve.style != _Curve.style_of(*style):
            curve.remove(plot)
            curve = None
        if curve is None:
            curve = _Curve(plot, *style)
        curves[key] = curve  # now the most recently used
        if not curve.is_visible():
            curve.set_visible(plot, True)
        return curve

    def _changed(self, part: tuple, inputs: object) -> bool:
        """Whether ``part`` must be redrawn for ``inputs``; remembers them when it must."""
        if part in self._drawn and self._drawn[part] == inputs:
            return False
        self._drawn[part] = inputs
        self._unplaced.add("wall" if part[1] == "wall" else "speed")  # curves or axes move
        return True

    # --- drawing --------------------------------------------------------------------------------

    def _curve(self, view: str, key: _Key, colour, many_series: bool) -> _Curve:
        name = None if view == "efficiency" else f"{key[0]} · {key[1]}" if many_series else key[1]
        symbol = "s" if key[1] == "serial" else "o"
        plot = self._plot(view)
        return self._reuse(self._curves[view], key, plot, name, colour, symbol, view == "wall")

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

    def _draw_speed_key(self, key: _Key, group: list[SummaryRow], colour, many: bool) -> None:
        scaled = [row for row in group if row.speedup is not None and row.efficiency is not None]
        if key[1] == "serial" or not scaled:
            return
        sx = np.log2([size_of(row) for row in scaled])
        self._curve("speedup", key, colour, many).line.setData(sx, [r.speedup for r in scaled])
        self._curve("efficiency", key, colour, many).line.setData(
            sx, [100.0 * r.efficiency for r in scaled if r.efficiency is not None]
        )

    def _draw_ideal(
        self, view: str, groups: dict[_Key, list[SummaryRow]], sizes: list[int], many: bool
    ) -> None:
        """The ideal scaling: min(p, cores) on the speed view, serial / that on the wall view."""
        if not sizes:
            if view == "speed":
                self._ideal_speedup.setData([], [])
                self._ideal_efficiency.setData([], [])
            self._drawn.pop(("ideal", view), None)
            return
        bases = {s: baseline(s, groups, self._cores) for s in sorted({s for s, _ in groups})}
        if not self._changed(("ideal", view), (tuple(sizes), self._cores, many, bases)):
            return
        top = max(max(sizes), 2)
        # sorted(set()), not np.unique: that imports numpy.ma on first use, 24 ms mid-run
        points = {*np.geomspace(1, top, 64).tolist(), float(self._cores), *map(float, sizes)}
        p = np.array(sorted(x for x in points if x <= top))
        ideal = np.minimum(p, self._cores)
        if view == "speed":
            self._ideal_speedup.setData(np.log2(p), ideal)
            self._ideal_efficiency.setData(np.log2(p), 100.0 * ideal / p)
            return
        for series, base in bases.items():
            if base is None:
                continue
            name = f"ideal · {series}" if many else "ideal: serial / min(p, cores)"
            style = (name, plot_style.IDEAL_COLOUR, None, False, True)  # dashed, no markers
            curve = self._reuse(self._ideal_walls, series, self._wall, *style)
            curve.line.setData(np.log2(p), base / ideal)

    def _draw_axes(self, view: str, sizes: list[int]) -> None:
        plots = (self._wall,) if view == "wall" else (self._speedup, self._efficiency)
        lines = self._core_lines[:1] if view == "wall" else self._core_lines[1:]
        ticks = sorted(set(sizes) | set(self._expected) | {1})
        if self._changed(("x", view), (tuple(ticks), self._cores)):
            major = [(math.log2(size), str(size)) for size in ticks]
            label = f"{self._cores} core" + ("" if self._cores == 1 else "s")
            for plot in plots:
                plot.getAxis("bottom").setTicks([major, []])
                plot.setXRange(-0.3, math.log2(max(ticks + [self._cores])) + 0.3, padding=0)
            for line in lines:
                line.setValue(math.log2(self._cores))
                line.label.setFormat(label)
        if view == "wall":
            if self._changed(("y", view), self._wall_top()):
                self._wall.setYRange(0, self._wall_top(), padding=0)
            return
        speedups = [r.speedup for r in self._rows if r.speedup is not None]
        top_speedup = nice_ceiling(1.2 * max([float(self._cores), *speedups]))
        if self._changed(("y", view), top_speedup):
            self._efficiency.setYRange(0, 110, padding=0)
            self._speedup.setYRange(0, top_speedup, padding=0)

    def _wall_top(self) -> float:
        """A round top above every point and bar; with nothing to show, the top shown now
        (a run that starts does not move the axis twice: to an empty plot's and back), and
        during a run the top shown now while it still fits (see LIVE_SLACK)."""
        curves = [*self._curves["wall"].values(), *self._ideal_walls.values()]
        tops = [curve.line.yData for curve in curves if curve.is_visible()]
        peaks = [float(np.max(y)) for y in tops if y is not None and len(y)]
        peaks += [row.max_s for row in self._rows]
        shown = self._drawn.get(("y", "wall"))
        if not peaks:
            return 1.0 if shown is None else shown
        needed = nice_ceiling(1.08 * max(peaks))
        if self._live and shown is not None and needed <= shown <= LIVE_SLACK * needed:
            return shown
        return needed

    def _draw_hints(self, view: str, rows: list[SummaryRow]) -> None:
        mid_x = 0.5 * math.log2(max(self._cores, 2))
        wall_hint, speed_hint = self._hints
        if view == "wall":
            if self._changed(("hints", view), (bool(rows), self._wall_top(), self._cores)):
                empty = "Run a scenario: wall time per pool size appears here"
                wall_hint.setText("" if rows else empty)
                wall_hint.setPos(mid_x, 0.5 * self._wall_top())
            return
        has_speedup = any(r.speedup is not None and r.backend != "serial" for r in rows)
        if not self._changed(("hints", view), (bool(rows), has_speedup, self._cores)):
            return
        if has_speedup:
            speed_hint.setText("")
        elif rows:
            speed_hint.setText("Speedup needs a serial run of the same series as its baseline")
        else:
            speed_hint.setText("Run a sweep: speedup over the serial run appears here")
        speed_hint.setPos(mid_x, 0.5 * max(self._cores, 2))
