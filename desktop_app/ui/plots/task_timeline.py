"""The task timeline: one row per worker, one bar per task, coloured by outcome, filled to the
share of its time the worker's thread was on a CPU (the pale rest: waiting for the GIL, I/O or
a core, as the lesson knows it).

A run of 100,000 tiny tasks must not become 100,000 graphics items: spans are kept as numpy
columns and drawn by six bar items (waiting and ok, each in two shades alternating along each
row, so two neighbouring bars never merge into one without outlines; failed; running), each one
``QPainter.drawRects`` call.
Hover text is found with a vectorised search over the columns, not with per-bar items.

During a run the running bars change every frame but the finished spans only when a batch
lands: the two are redrawn apart, and ``refresh_paced`` spaces the full redraws by a few times
their own cost (and the running bars by 0.1 s) so a timeline of 100,000 spans cannot hog the
GUI thread.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QTimer
from PySide6.QtGui import QFontMetrics, QShowEvent
from PySide6.QtWidgets import QToolTip, QVBoxLayout, QWidget

from ...engine.lock_events import LockLog
from ...engine.records import SpanTable
from ..viewmodels.timeline_spans import (
    Bars,
    MeasurementSpans,
    describe_span,
    lod_bars,
    running_bars,
)
from . import plot_style
from .lock_overlay import LockOverlay
from .timeline_bars import (
    BAR_HEIGHT,
    legend_html,
    make_bar_items,
    outcome_colours,
    set_bar,
    style_bars,
)
from .timeline_header import TimelineHeader

PACE = 4  # a full redraw that took t waits 4 t before the next: at most ~20 % of the GUI thread
# Each running-bar update repaints the whole view (4-10 ms, several times that while the engine's
# threads hold the GIL): 10 a second still shows them grow smoothly.
RUNNING_INTERVAL_S = 0.1
# During a run the time axis follows the tasks in steps: when they outgrow it, it grows to
# X_HEADROOM times their extent. Following them every frame re-laid the axis and its grid each
# time (3-4 ms of a paint, gui_latency.py) and made every frame re-merge all the spans.
X_HEADROOM = 2.0
# The worker axis is at least this label wide (Linux's largest pid), and during a run it only
# widens: a narrower axis for the next measurement's rows resized the time axis (a re-lay).
WIDEST_PID_LABEL = "pid 4194304"
Running = tuple[tuple[int, int, float], ...]


class TaskTimeline(QWidget):
    """Which worker ran which task when, for the measurement chosen in the combo box."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("taskTimeline")
        self._origin = 0.0
        self._measurements: dict[str, MeasurementSpans] = {}
        self._current = ""
        self._running: Running = ()
        self._now = 0.0
        self._dirty = True
        self._running_dirty = False
        self._next_full = 0.0  # perf_counter() before which refresh_paced skips a full redraw
        self._next_running = 0.0  # likewise for the running bars alone
        self._row_labels: list[str] | None = None
        self._live = False  # a run is going: the time axis moves in steps (X_HEADROOM)
        self._follow = True  # the time axis follows the tasks until the user pans or zooms
        self._fitting = False  # the time axis is being moved by the timeline itself
        self._extent: tuple[float, float] | None = None  # shown tasks' first start, last end (s)
        self._axis_width = 0  # the worker axis's width now (0: to be set)
        self._build()
        self._apply_theme()
        self.refresh()

    # --- construction ---------------------------------------------------------------------------

    def _build(self) -> None:
        self._header = TimelineHeader(self)
        self._combo = self._header.combo
        self._combo.currentIndexChanged.connect(self._on_combo_changed)
        self._legend, self._hover = self._header.legend, self._header.hover
        self.interpreter_label = self._header.interpreter  # the run's Python and GIL verdict
        self._view = pg.PlotWidget()
        self._plot = self._view.getPlotItem()
        self._plot.setMenuEnabled(False)
        self._plot.invertY(True)
        self._plot.getViewBox().setMouseEnabled(x=True, y=False)
        self._plot.getViewBox().setDefaultPadding(0.02)
        self._bars = make_bar_items(self._plot)
        self._locks = LockOverlay(self._plot)  # lanes of waiting for and holding locks
        self._hint = pg.TextItem("", anchor=(0.5, 0.5))
        self._plot.addItem(self._hint, ignoreBounds=True)
        self._view.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        # Zooming changes which tasks are narrower than a pixel: merge again after it.
        self._plot.getViewBox().sigXRangeChanged.connect(self._on_view_x_range_changed)
        self._plot.getViewBox().sigRangeChangedManually.connect(self._on_user_moved_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._header)
        layout.addWidget(self._view, 1)

    def set_interpreter(self, text: str) -> None:
        """The header's "Python 3.13t · GIL off while tasks ran" (from the run's report)."""
        self._header.set_interpreter(text)

    def _apply_theme(self) -> None:
        plot_style.style_view(self._view, self)
        plot_style.style_plot(self._plot, self)
        self._plot.showGrid(x=True, y=False, alpha=0.18)
        self._plot.getAxis("bottom").setZValue(-100)  # grid lines behind the bars, not over them
        plot_style.set_axis_label(self._plot, "bottom", "Time since run start", self, units="s")
        plot_style.set_axis_label(self._plot, "left", "Worker", self)
        # Worker rows are 0..n-1: with one row the range is tiny and pyqtgraph would label
        # the axis "Worker (x0.001)"; rows are counts, never scaled.
        self._plot.getAxis("left").enableAutoSIPrefix(False)
        self._row_labels = None  # the axis width depends on the font
        self._axis_width = 0
        colours = outcome_colours(plot_style.is_dark(self))
        style_bars(self._bars, colours)
        self._locks.style(plot_style.is_dark(self))
        self._hint.setColor(plot_style.palette_colours(self)[1])
        self._colours = colours
        self._legend.setText(legend_html(colours, self._waiting_text()))

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._apply_theme()
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # Qt override
        """The run feed skips a hidden timeline: catch up when its tab is shown."""
        super().showEvent(event)
        if self.is_dirty():
            self.refresh()

    # --- public API -----------------------------------------------------------------------------

    def reset(self, origin: float) -> None:
        """Forget every span; times are shown relative to ``origin`` (perf_counter). A run
        starts: the time axis follows its tasks in steps until ``settle()``."""
        self._origin = origin
        self._measurements.clear()
        self._locks.clear()
        self._current = ""
        self._running = ()
        self._combo.blockSignals(True)
        self._combo.clear()
        self._combo.blockSignals(False)
        self._plot.enableAutoRange()
        self._row_labels = None  # auto-range is back on: set the rows' range again
        self._live = self._follow = True
        self._extent = None
        self._dirty = True

    def settle(self) -> None:
        """The run is over: fit the time axis to the tasks (during it, it moves in steps)."""
        self._live = False
        self._dirty = True

    def begin_measurement(self, label: str, waiting: str = "waiting") -> None:
        """Start collecting a new measurement and show it (unless the user picked an older one).
        ``waiting``: what its tasks wait for when off a CPU (``waiting_for``)."""
        following = self._combo.currentIndex() in (-1, self._combo.count() - 1)
        label = self._unique(label or "measurement")
        self._measurements[label] = MeasurementSpans(label, waiting)
        self._current = label
        self._running = ()
        self._combo.addItem(label)
        if following:
            self._combo.setCurrentIndex(self._combo.count() - 1)
        self._dirty = True

    def add_spans(self, table: SpanTable, label: str = "") -> None:
        """Add finished tasks to ``label`` (the current measurement when empty)."""
        label = label or self._current
        if label not in self._measurements:
            if self._current and label:
                self._measurements[label] = MeasurementSpans(label)
                self._combo.addItem(label)
            else:
                self.begin_measurement(label)
                label = self._current
        self._measurements[label].add(table)
        if label == self.shown_measurement():
            self._dirty = True
        self._count_label()

    def add_locks(self, log: LockLog, label: str = "") -> None:
        """What a lesson's traced locks recorded in measurement ``label`` (lock lanes)."""
        label = label or self._current
        self._locks.add(label, log)
        if label == self.shown_measurement():
            self._dirty = True

    def lane_labels(self) -> list[str]:
        """The lock lanes of the shown measurement, as the worker axis names them."""
        shown = self._measurements.get(self.shown_measurement())
        return self._locks.lane_labels(shown.label, list(shown.rows)) if shown else []

    def set_running(self, running: Running, now: float) -> None:
        """Tasks running now as (pid, task, start); drawn from their start to ``now``."""
        self._running = tuple(running)
        self._now = now
        self._running_dirty = True

    def shown_measurement(self) -> str:
        return self._combo.currentText()

    def measurement_labels(self) -> list[str]:
        return list(self._measurements)

    def show_measurement(self, label: str) -> None:
        self._combo.setCurrentIndex(self._combo.findText(label))

    def span_count(self) -> int:
        """Spans of the shown measurement."""
        shown = self._measurements.get(self.shown_measurement())
        return len(shown) if shown is not None else 0

    def worker_labels(self) -> list[str]:
        shown = self._measurements.get(self.shown_measurement())
        return list(shown.rows) if shown is not None else []

    def plot_item(self) -> pg.PlotItem:
        return self._plot

    def is_dirty(self) -> bool:
        return self._dirty or self._running_dirty

    def refresh_paced(self) -> None:
        """``refresh()`` for the live frames: new spans wait while the last full redraw's pace
        runs, the running bars for ``RUNNING_INTERVAL_S``."""
        now = time.perf_counter()
        if self._dirty and now < self._next_full:
            if self._running_dirty and now >= self._next_running:
                self._refresh_running()
            return
        if self._dirty or now >= self._next_running:
            self.refresh()

    def refresh(self) -> None:
        """Redraw the shown measurement's bars; nothing when unchanged since the last call."""
        if not self._dirty:
            if self._running_dirty:
                self._refresh_running()
            return
        began = time.perf_counter()
        self._refresh_all()
        done = time.perf_counter()
        self._next_full = done + PACE * (done - began)
        self._next_running = done + RUNNING_INTERVAL_S

    def _refresh_running(self) -> None:
        self._running_dirty = False
        self._next_running = time.perf_counter() + RUNNING_INTERVAL_S
        shown = self._measurements.get(self.shown_measurement())
        if shown is None or shown.label != self._current:
            return
        running = self._running_bars(shown)
        self._set_bar("running", running)
        self._set_rows(self._all_rows(shown))  # a running task may be a new worker's first
        self._follow_tasks(running)

    def _waiting_text(self) -> str:
        shown = self._measurements.get(self.shown_measurement())
        return shown.waiting if shown is not None else "waiting"

    def _refresh_all(self) -> None:
        self._dirty = self._running_dirty = False
        shown = self._measurements.get(self.shown_measurement())
        if shown is None:
            self._locks.draw(None, [], self._origin, 1.0)
            self._legend.setText(legend_html(self._colours, self._waiting_text()))
            self._set_bars({})
            self._set_rows([])
            self._show_empty()
            return
        if self._hint.textItem.toPlainText():
            self._hint.setText("")
        shown.consolidate()
        running = self._running_bars(shown) if shown.label == self._current else None
        self._extent = None
        if len(shown.start):  # relative to the run's start, as the bars are
            self._extent = (shown.start.min() - self._origin, shown.end.max() - self._origin)
        self._follow_tasks(running)  # before merging: the merge depends on the zoom
        data = self._lod_bars(shown)
        if running is not None:
            data["running"] = running
        self._set_bars(data)
        workers = list(shown.rows)
        self._locks.draw(
            shown.label, workers, self._origin, self._pixel_width(shown.start, shown.end)
        )
        self._legend.setText(
            legend_html(self._colours, self._waiting_text()) + self._locks.legend_html()
        )
        self._set_rows(self._all_rows(shown))
        self._count_label()

    def _all_rows(self, shown: MeasurementSpans) -> list[str]:
        """The worker rows, then the measurement's lock lanes."""
        workers = list(shown.rows)
        return workers + self._locks.lane_labels(shown.label, workers)

    # --- drawing --------------------------------------------------------------------------------

    def _lod_bars(self, shown: MeasurementSpans) -> dict[str, Bars]:
        """Bars to draw at the current zoom (tasks under a pixel merged: ``lod_bars``)."""
        order = shown.sorted_order()
        pixel = self._pixel_width(shown.start[order], shown.end[order])
        return lod_bars(shown, self._origin, pixel)

    def _follow_tasks(self, running: tuple[np.ndarray, ...] | None) -> None:
        """Show every task of the shown measurement, unless the user moved the view: exactly
        once it is over, and in steps while it runs (the axis stays while the tasks fit)."""
        spans = [self._extent] if self._extent is not None else []
        if running is not None and len(running[0]):
            spans.append((running[0].min(), running[1].max()))
        if not self._follow or not spans:
            return
        lo, hi = float(min(s for s, _ in spans)), float(max(e for _, e in spans))
        width = max(hi - lo, 1e-6)
        live = self._live and self.shown_measurement() == self._current
        if live:
            x0, x1 = self._plot.getViewBox().viewRange()[0]
            if x0 <= lo and hi <= x1 and x1 - x0 <= 2 * X_HEADROOM * width:
                return
            hi = lo + X_HEADROOM * width
        self._fitting = True
        try:
            self._plot.setXRange(lo, hi, padding=0.02)
        finally:
            self._fitting = False

    def _pixel_width(self, start: np.ndarray, end: np.ndarray) -> float:
        """One screen pixel in seconds at the current zoom (a guess before the first layout)."""
        try:
            pixel = float(self._plot.getViewBox().viewPixelSize()[0])
        except (ZeroDivisionError, ValueError):
            pixel = 0.0
        if not np.isfinite(pixel) or pixel <= 0:
            span = float(end.max() - start.min()) if len(start) else 1.0
            pixel = max(span, 1e-6) / 1000
        return pixel

    def _running_bars(self, shown: MeasurementSpans) -> Bars:
        return running_bars(shown, self._running, self._now, self._origin)

    def _set_bars(self, data: dict[str, Bars]) -> None:
        empty = (np.zeros(0), np.zeros(0), np.zeros(0))
        for name in self._bars:
            self._set_bar(name, data.get(name, empty))

    def _set_bar(self, name: str, bars: tuple[np.ndarray, ...]) -> None:
        set_bar(self._bars[name], bars)

    def _set_rows(self, labels: list[str]) -> None:
        """The worker rows on the left axis; only when they changed (new ticks re-lay the axis)."""
        if labels == self._row_labels:
            return
        self._row_labels = labels
        axis = self._plot.getAxis("left")
        axis.setTicks([[(index, label) for index, label in enumerate(labels)], []])
        # Size the axis for its labels now: its own auto-expansion waits for a second paint.
        metrics = QFontMetrics(plot_style.axis_font(self))
        widest = max(metrics.horizontalAdvance(label) for label in [WIDEST_PID_LABEL, *labels])
        width = widest + metrics.height() + 16
        if self._live:
            width = max(width, self._axis_width)
        if width != self._axis_width:
            self._axis_width = width
            axis.setWidth(width)
        self._plot.setYRange(-0.6, max(len(labels), 1) - 0.4, padding=0)

    def _show_empty(self) -> None:
        self._plot.setXRange(0, 1, padding=0)
        self._hint.setText("Task spans appear here while a run executes")
        self._hint.setPos(0.5, 0.2)

    def _count_label(self) -> None:
        self._header.set_count(self.span_count())

    def _unique(self, label: str) -> str:
        if label not in self._measurements:
            return label
        n = 2
        while f"{label} ({n})" in self._measurements:
            n += 1
        return f"{label} ({n})"

    # --- interaction ----------------------------------------------------------------------------

    def _on_combo_changed(self, _index: int) -> None:
        self._dirty = True
        self._plot.enableAutoRange()
        self._row_labels = None
        self._follow = True
        self.refresh()

    def _on_user_moved_view(self, *_args) -> None:
        # The user's pan or zoom stays (pyqtgraph's "A" button hands the axis to its own
        # auto-range); the next run, or another measurement chosen, follows the tasks again.
        self._follow = False

    def _on_view_x_range_changed(self, *_args) -> None:
        # A zoom changes which tasks are narrower than a pixel: merge again, at the full
        # redraws' pace. The timeline's own moves merge in the same refresh.
        if self._fitting:
            return
        if self._measurements and not self._dirty:
            self._dirty = True
            wait_s = max(0.0, self._next_full - time.perf_counter())
            QTimer.singleShot(int(wait_s * 1000), self.refresh)

    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        text = self.describe_at(self._plot.getViewBox().mapSceneToView(pos))
        self._hover.setText(text)
        if text:
            QToolTip.showText(
                self._view.mapToGlobal(self._view.mapFromScene(pos)), text, self._view
            )
        else:
            QToolTip.hideText()

    def describe_at(self, point: QPointF) -> str:
        """Hover text for the task under ``point`` (view coordinates), or '' when none."""
        shown = self._measurements.get(self.shown_measurement())
        if shown is None:
            return ""
        pixel = self._plot.getViewBox().viewPixelSize()[0]
        lock_text = self._locks.describe(point.x(), point.y(), pixel, self._origin)
        if lock_text or point.y() > len(shown.rows) - 0.5:  # on a lane, or a lost update
            return lock_text
        return describe_span(shown, point.x(), point.y(), pixel, self._origin, BAR_HEIGHT)
