"""The live timing plot: wall time against pool size, and speedup and efficiency.

Measurements are only stored on arrival; ``refresh`` (driven by the window's ~30 Hz timer)
summarizes them and moves the few plot items it owns with ``setData``, so a sweep costs one
summary and a handful of item updates per frame however many repeats arrive in between.
The x axis is log2 of the pool size with ticks at the sizes actually measured.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ..engine.records import Measurement
from ..engine.stats import SummaryRow, cpu_count, summarize
from . import plot_style

_Key = tuple[str, str]  # (series, backend)


class _Curve:
    """One (series, backend): its line with markers and, on the wall view, its error bars."""

    def __init__(self, plot: pg.PlotItem, name: str, colour, symbol: str, bars: bool) -> None:
        pen = pg.mkPen(colour, width=2)
        self.line = plot.plot(
            [],
            [],
            pen=pen,
            symbol=symbol,
            symbolSize=8,
            symbolBrush=colour,
            symbolPen=pg.mkPen(colour),
            name=name,
        )
        self.bars = None
        if bars:
            self.bars = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), pen=pen, beam=0.12)
            plot.addItem(self.bars)

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
        self._dirty = True
        self._curves: dict[str, dict[_Key, _Curve]] = {"wall": {}, "speedup": {}, "efficiency": {}}
        self._ideal_walls: dict[str, pg.PlotDataItem] = {}
        self._rows: list[SummaryRow] = []
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
        self._wall_legend = self._wall.addLegend(offset=(10, -10))
        self._speed_legend = self._speedup.addLegend(offset=(10, 10))
        dashed = pg.mkPen(plot_style.IDEAL_COLOUR, width=2, style=Qt.PenStyle.DashLine)
        self._ideal_speedup = self._speedup.plot([], [], pen=dashed, name="ideal: min(p, cores)")
        self._ideal_efficiency = self._efficiency.plot([], [], pen=dashed)
        self._core_lines = [
            self._core_line(plot) for plot in (self._wall, self._speedup, self._efficiency)
        ]
        self._hints = [self._hint(plot) for plot in (self._wall, self._speedup)]

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

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._apply_theme()
            self._dirty = True
            self.refresh()
        super().changeEvent(event)

    # --- public API -----------------------------------------------------------------------------

    def clear(self) -> None:
        self._measurements.clear()
        for plot, curves in zip(
            (self._wall, self._speedup, self._efficiency), self._curves.values(), strict=True
        ):
            for curve in curves.values():
                curve.remove(plot)
            curves.clear()
        for item in self._ideal_walls.values():
            self._wall.removeItem(item)
        self._ideal_walls.clear()
        self._dirty = True
        self.refresh()

    def set_cores(self, n: int) -> None:
        self._cores = max(1, int(n))
        self._dirty = True

    def add_measurement(self, m: Measurement) -> None:
        self._measurements.append(m)
        self._dirty = True

    def measurements(self) -> list[Measurement]:
        return list(self._measurements)

    def plot_item(self) -> pg.PlotItem:
        """The wall-time plot, for the PNG and SVG exporters."""
        return self._wall

    def is_dirty(self) -> bool:
        return self._dirty

    def current_view(self) -> int:
        return self._tabs.currentIndex()

    def set_current_view(self, index: int) -> None:
        self._tabs.setCurrentIndex(index)

    def refresh(self) -> None:
        """Summarize the stored measurements and move the plot items; nothing when unchanged."""
        if not self._dirty:
            return
        self._dirty = False
        rows = self._rows = summarize(map(_one_worker_serial, self._measurements), self._cores)
        groups = _group(rows)
        sizes = sorted({_size(row) for row in rows})
        many_series = len({series for series, _ in groups}) > 1
        for index, (key, group) in enumerate(sorted(groups.items(), key=_order)):
            colour = plot_style.series_colour(key[0], key[1], index, many_series)
            self._draw_key(key, group, colour, many_series)
        self._draw_ideal(groups, sizes, many_series)
        self._draw_axes(sizes)
        self._draw_hints(rows, groups)
        _place_legend(self._wall, self._wall_legend)
        _place_legend(self._speedup, self._speed_legend)

    # --- drawing --------------------------------------------------------------------------------

    def _curve(self, view: str, key: _Key, colour, many_series: bool) -> _Curve:
        curves = self._curves[view]
        if key not in curves:
            plot = {"wall": self._wall, "speedup": self._speedup, "efficiency": self._efficiency}[
                view
            ]
            name = f"{key[0]} · {key[1]}" if many_series else key[1]
            symbol = "s" if key[1] == "serial" else "o"
            curves[key] = _Curve(
                plot, name if view != "efficiency" else None, colour, symbol, view == "wall"
            )
        return curves[key]

    def _draw_key(self, key: _Key, group: list[SummaryRow], colour, many_series: bool) -> None:
        x = np.log2([_size(row) for row in group])
        median = np.array([row.median_s for row in group])
        wall = self._curve("wall", key, colour, many_series)
        wall.line.setData(x, median)
        wall.bars.setData(
            x=x,
            y=median,
            top=np.array([row.max_s for row in group]) - median,
            bottom=median - np.array([row.min_s for row in group]),
        )
        scaled = [row for row in group if row.speedup is not None]
        if key[1] == "serial" or not scaled:
            return
        sx = np.log2([_size(row) for row in scaled])
        self._curve("speedup", key, colour, many_series).line.setData(
            sx, [r.speedup for r in scaled]
        )
        self._curve("efficiency", key, colour, many_series).line.setData(
            sx, [100.0 * r.efficiency for r in scaled]
        )

    def _draw_ideal(
        self, groups: dict[_Key, list[SummaryRow]], sizes: list[int], many: bool
    ) -> None:
        if not sizes:
            self._ideal_speedup.setData([], [])
            self._ideal_efficiency.setData([], [])
            return
        top = max(max(sizes), 2)
        p = np.unique(np.concatenate([np.geomspace(1, top, 64), [self._cores], sizes]))
        p = p[p <= top]
        ideal = np.minimum(p, self._cores)
        self._ideal_speedup.setData(np.log2(p), ideal)
        self._ideal_efficiency.setData(np.log2(p), 100.0 * ideal / p)
        for series in sorted({s for s, _ in groups}):
            base = _baseline(series, groups, self._cores)
            if base is None:
                continue
            item = self._ideal_walls.get(series)
            if item is None:
                pen = pg.mkPen(plot_style.IDEAL_COLOUR, width=2, style=Qt.PenStyle.DashLine)
                name = f"ideal · {series}" if many else "ideal: serial / min(p, cores)"
                item = self._ideal_walls[series] = self._wall.plot([], [], pen=pen, name=name)
            item.setData(np.log2(p), base / ideal)

    def _draw_axes(self, sizes: list[int]) -> None:
        ticks = sorted(set(sizes) | {1})
        major = [(math.log2(size), str(size)) for size in ticks]
        for plot in (self._wall, self._speedup, self._efficiency):
            plot.getAxis("bottom").setTicks([major, []])
        label = f"{self._cores} core" + ("" if self._cores == 1 else "s")
        for line in self._core_lines:
            line.setValue(math.log2(self._cores))
            line.label.setFormat(label)
        for plot in (self._wall, self._speedup, self._efficiency):
            plot.setXRange(-0.3, math.log2(max(ticks + [self._cores])) + 0.3, padding=0)
        self._wall.setYRange(0, self._wall_top(), padding=0)
        self._efficiency.setYRange(0, 110, padding=0)
        speedups = [r.speedup for r in self._rows if r.speedup is not None]
        self._speedup.setYRange(0, 1.2 * max([float(self._cores), *speedups]), padding=0)

    def _wall_top(self) -> float:
        tops = [curve.line.yData for curve in self._curves["wall"].values()]
        tops += [item.yData for item in self._ideal_walls.values()]
        peak = max((float(np.max(y)) for y in tops if y is not None and len(y)), default=1.0)
        bars = [row.max_s for row in self._rows]
        return 1.08 * max([peak, *bars])

    def _draw_hints(self, rows: list[SummaryRow], groups: dict[_Key, list[SummaryRow]]) -> None:
        wall_hint, speed_hint = self._hints
        mid_x = 0.5 * math.log2(max(self._cores, 2))
        wall_hint.setText("" if rows else "Run a scenario: wall time per pool size appears here")
        wall_hint.setPos(mid_x, 0.5 * self._wall_top())
        has_speedup = any(r.speedup is not None and r.backend != "serial" for r in rows)
        if has_speedup:
            speed_hint.setText("")
        elif rows:
            speed_hint.setText("Speedup needs a serial run of the same series as its baseline")
        else:
            speed_hint.setText("Run a sweep: speedup over the serial run appears here")
        speed_hint.setPos(mid_x, 0.5 * max(self._cores, 2))


def _place_legend(plot: pg.PlotItem, legend: pg.LegendItem) -> None:
    """Move ``legend`` to the corner of ``plot`` that hides the fewest data points."""
    (x0, x1), (y0, y1) = plot.getViewBox().viewRange()
    box = plot.getViewBox().boundingRect()
    if box.width() <= 0 or box.height() <= 0 or x1 <= x0 or y1 <= y0:
        return
    fx = min(legend.boundingRect().width() / box.width() + 0.04, 0.9)
    fy = min(legend.boundingRect().height() / box.height() + 0.04, 0.9)
    points = []
    for item in plot.listDataItems():
        x, y = item.getData()
        if x is not None and len(x):
            points.append(
                np.column_stack(
                    [(np.asarray(x) - x0) / (x1 - x0), (np.asarray(y) - y0) / (y1 - y0)]
                )
            )
    if not points:
        return
    xy = np.concatenate(points)
    corners = {(0, 1): 0, (1, 1): 0, (0, 0): 0, (1, 0): 0}  # (right?, top?) -> points covered
    for right, top in corners:
        in_x = xy[:, 0] >= 1 - fx if right else xy[:, 0] <= fx
        in_y = xy[:, 1] >= 1 - fy if top else xy[:, 1] <= fy
        corners[(right, top)] = int(np.count_nonzero(in_x & in_y))
    right, top = min(corners, key=corners.get)
    legend.anchor(
        itemPos=(right, 1 - top),
        parentPos=(right, 1 - top),
        offset=(-10 if right else 10, 10 if top else -10),
    )


def _one_worker_serial(m: Measurement) -> Measurement:
    """A serial run is one worker at any sweep size: pool its repeats into one point."""
    return m if m.backend != "serial" or m.pool_size == 1 else replace(m, pool_size=1)


def _size(row: SummaryRow) -> int:
    """Serial runs are one worker whatever pool size the sweep was at."""
    return 1 if row.backend == "serial" else row.pool_size


def _group(rows: Iterable[SummaryRow]) -> dict[_Key, list[SummaryRow]]:
    groups: dict[_Key, list[SummaryRow]] = {}
    for row in rows:
        groups.setdefault((row.series, row.backend), []).append(row)
    for group in groups.values():
        group.sort(key=_size)
    return groups


_BACKEND_ORDER = {"serial": 0, "threads": 1, "processes": 2, "pool": 3}


def _order(item: tuple[_Key, list[SummaryRow]]) -> tuple:
    (series, backend), _ = item
    return series, _BACKEND_ORDER.get(backend, 9), backend


def _baseline(series: str, groups: dict[_Key, list[SummaryRow]], cores: int) -> float | None:
    """One-worker time of ``series``: the serial median, else scaled from the smallest pool."""
    serial = groups.get((series, "serial"))
    if serial:
        return serial[0].median_s
    candidates = [rows[0] for (s, _), rows in groups.items() if s == series and rows]
    if not candidates:
        return None
    first = min(candidates, key=_size)
    return first.median_s * min(_size(first), cores)
