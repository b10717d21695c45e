"""CPU use over the last minute: the lab's own processes apart from the rest of the machine,
and a bar per core now.

It is there so a user sees the lesson happen: one core's worth when threads run CPU-bound work
under the GIL, every core under processes; and whether other programs took cores meanwhile.
The lab is this app, its run host and their workers (psutil, descendants of this process).

Sampling goes on while the view is visible or a run goes on (``start``/``stop`` mark a run), so
the "seconds ago" axis is always true; where sampling paused the lines break, and each run is
a shaded span. Readings happen on a worker thread (listing the lab's processes scans /proc);
the GUI thread's timer only drains what arrived and redraws (viewmodels/cpu_samples.py).
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QColor, QHideEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..viewmodels.cpu_samples import CpuHistory, CpuSample, CpuSampler, SamplerThread
from . import plot_style

SAMPLE_MS = 250
HISTORY_S = 60.0
LAB_COLOUR = "#4e79a7"  # blue: the lab's processes
OTHER_COLOUR = "#8c8c8c"  # grey: everything else on the machine
RUN_SPANS = 4  # shaded run spans kept on the plot (the axis shows a minute)


class CpuView(QWidget):
    """The lab's and the machine's CPU use, sampled at 4 Hz while visible or during a run."""

    def __init__(self, parent: QWidget | None = None, interval_ms: int = SAMPLE_MS) -> None:
        super().__init__(parent)
        self.setObjectName("cpuView")
        self._sampler = CpuSampler()
        self._cores = self._sampler.cores
        self._thread = SamplerThread(self._sampler, interval_ms / 1000)
        self._history = CpuHistory(HISTORY_S * 2, interval_ms / 1000)
        self._running_run = False
        self._last: CpuSample | None = None
        self._samples = 0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.sample)
        # Deleted without a close (its owner let go): the sampler thread ends at its next tick.
        sampler_thread = self._thread
        self.destroyed.connect(lambda *_: sampler_thread.stop_event().set())
        self._build()
        self._apply_theme()

    def _build(self) -> None:
        self._summary = QLabel(self)
        self._summary.setObjectName("cpuSummary")
        self._summary.setWordWrap(True)
        self._view = pg.GraphicsLayoutWidget()
        self._lines_plot = self._view.addPlot(row=0, col=0)
        self._bars_plot = self._view.addPlot(row=0, col=1)
        self._view.ci.layout.setColumnStretchFactor(0, 4)
        self._view.ci.layout.setColumnStretchFactor(1, 1)
        for plot in (self._lines_plot, self._bars_plot):
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
        self._lines_plot.setYRange(0, self._cores, padding=0.02)
        self._bars_plot.setYRange(0, 100, padding=0.02)
        self._lines_plot.setXRange(-HISTORY_S, 0, padding=0)
        self._runs = [pg.LinearRegionItem(movable=False) for _ in range(RUN_SPANS)]
        for region in self._runs:
            region.setVisible(False)
            region.setZValue(-50)
            self._lines_plot.addItem(region, ignoreBounds=True)
        # all busy cores (grey), the lab's share drawn over it: the grey band left is the rest
        self._total = self._lines_plot.plot([], [], connect="finite", fillLevel=0)
        self._lab = self._lines_plot.plot([], [], connect="finite", fillLevel=0)
        self._bars = pg.BarGraphItem(
            x=np.arange(self._cores), height=np.zeros(self._cores), width=0.7
        )
        self._bars_plot.addItem(self._bars)
        self._bars_plot.setXRange(-0.6, self._cores - 0.4, padding=0)
        self._bars_plot.getAxis("bottom").setTicks(
            [[(i, str(i)) for i in range(self._cores)] if self._cores <= 16 else [], []]
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        top = QHBoxLayout()
        top.setContentsMargins(6, 2, 6, 2)
        top.addWidget(self._summary, 1)
        layout.addLayout(top)
        layout.addWidget(self._view, 1)
        self._show_summary()

    def _apply_theme(self) -> None:
        plot_style.style_view(self._view, self)
        for plot in (self._lines_plot, self._bars_plot):
            plot_style.style_plot(plot, self)
            plot.getAxis("bottom").setZValue(-100)  # grid behind the data
            plot.getAxis("left").setZValue(-100)
        plot_style.set_axis_label(self._lines_plot, "left", "Cores busy", self)
        plot_style.set_axis_label(self._lines_plot, "bottom", "Seconds ago", self)
        plot_style.set_axis_label(self._bars_plot, "left", "All programs now (%)", self)
        plot_style.set_axis_label(self._bars_plot, "bottom", "Core", self)
        for curve, colour in ((self._total, OTHER_COLOUR), (self._lab, LAB_COLOUR)):
            fill = QColor(colour)
            fill.setAlpha(110)
            curve.setPen(pg.mkPen(colour, width=1.6))
            curve.setBrush(pg.mkBrush(fill))
        shade = QColor(plot_style.palette_colours(self)[1])
        shade.setAlpha(48)  # at 22 the band all but vanished on a white background
        for region in self._runs:
            region.setBrush(pg.mkBrush(shade))
            for line in region.lines:
                line.setPen(pg.mkPen(None))
        self._bars.setOpts(brushes=[pg.mkBrush(OTHER_COLOUR)] * self._cores, pen=None)
        self._show_summary()

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._apply_theme()
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        """Visible: sample, so the axis stays true to the clock."""
        super().showEvent(event)
        self._start_sampling()
        if self._last is not None:
            self._redraw()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if not self._running_run:
            self._stop_sampling()

    def closeEvent(self, event) -> None:
        self._running_run = False
        self._stop_sampling()
        super().closeEvent(event)

    # --- public API -----------------------------------------------------------------------------

    def export_item(self) -> pg.GraphicsLayout:
        """The history lines beside the bars, for the PNG and SVG exporters."""
        return self._view.ci

    def start(self) -> None:
        """A run started: shade it, and sample through it even while hidden."""
        self._running_run = True
        self._history.run_started(time.monotonic())
        self._start_sampling()

    def stop(self) -> None:
        """The run ended: its span closes; sampling goes on only while the view is visible."""
        self._running_run = False
        self._history.run_ended(time.monotonic())
        if not self.isVisible():
            self._stop_sampling()

    def is_running(self) -> bool:
        """Whether it samples now (visible, or a run going on)."""
        return self._thread.is_running()

    def cores(self) -> int:
        return self._cores

    def samples(self) -> int:
        return self._samples

    def latest(self) -> list[float]:
        """The last sample, percent per core (zeros before the first)."""
        return list(self._last.per_core) if self._last else [0.0] * self._cores

    def latest_sample(self) -> CpuSample | None:
        return self._last

    def sample(self) -> None:
        """The timer's slot: take the readings the sampler thread made and redraw (cheap)."""
        arrived = self._thread.drain()
        if arrived:
            self._take(arrived)

    def sample_now(self) -> None:
        """Read on the calling thread and redraw: for tests and renders, not the GUI's timer."""
        self._take([self._sampler.sample()])

    def _take(self, arrived: list[CpuSample]) -> None:
        for reading in arrived:
            self._history.add(reading)
        self._samples += len(arrived)
        self._last = arrived[-1]
        if self.isVisible():  # a hidden view (a run in another tab) draws when it is shown
            self._redraw()

    def _start_sampling(self) -> None:
        self._thread.start()
        self._timer.start()

    def _stop_sampling(self) -> None:
        self._timer.stop()
        self._thread.stop()

    # --- drawing --------------------------------------------------------------------------------

    def _redraw(self) -> None:
        now = time.monotonic()
        ago, lab, total = self._history.series(now)
        self._total.setData(ago, total)
        self._lab.setData(ago, lab)
        spans = self._history.run_spans(now)[-RUN_SPANS:]
        for index, region in enumerate(self._runs):
            shown = index < len(spans) and spans[index][1] > -HISTORY_S
            if shown:
                region.setRegion(spans[index])
            region.setVisible(shown)
        if self._last is not None:
            self._bars.setOpts(height=np.asarray(self._last.per_core, float))
        self._show_summary()

    def _show_summary(self) -> None:
        last = self._last
        chip = "<span style='color:{}'>■</span>"
        run_chip = "<span style='background:rgba(128,128,128,60)'>&nbsp;&nbsp;&nbsp;</span>"
        if last is None:
            detail = "waiting for the first sample"
        else:
            processes = f"{last.lab_processes} process" + ("es" if last.lab_processes != 1 else "")
            detail = (
                f"{chip.format(LAB_COLOUR)} lab ({processes}: this app, run host, workers) "
                f"{last.lab_cores:.1f} · {chip.format(OTHER_COLOUR)} rest of the machine "
                f"{last.other_cores:.1f} · {run_chip} a run"
            )
        self._summary.setText(f"Cores busy of {self._cores}: {detail}")
