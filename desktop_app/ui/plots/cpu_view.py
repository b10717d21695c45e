"""Live per-core CPU utilisation: a line per core over the last 30 s and a bar per core now.

It is there so a user sees the lesson happen: one busy core when threads run CPU-bound work
under the GIL, every core under processes. ``psutil.cpu_percent(interval=None)`` reports the
use since the previous call without sleeping, so sampling never blocks the GUI thread.
"""

from __future__ import annotations

import numpy as np
import psutil
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from . import plot_style

SAMPLE_MS = 250
HISTORY_S = 30.0


class CpuView(QWidget):
    """Per-core utilisation sampled at 4 Hz while started; the timer stops on close."""

    def __init__(self, parent: QWidget | None = None, interval_ms: int = SAMPLE_MS) -> None:
        super().__init__(parent)
        self.setObjectName("cpuView")
        self._cores = psutil.cpu_count(logical=True) or 1
        self._interval = interval_ms / 1000
        slots = int(HISTORY_S / self._interval) + 1
        self._ages = np.linspace(-HISTORY_S, 0.0, slots)
        self._history = np.full((self._cores, slots), np.nan)
        self._samples = 0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.sample)
        psutil.cpu_percent(percpu=True)  # prime: the first call has nothing to compare against
        self._build()
        self._apply_theme()

    def _build(self) -> None:
        self._summary = QLabel(self)
        self._summary.setObjectName("cpuSummary")
        self._view = pg.GraphicsLayoutWidget()
        self._lines_plot = self._view.addPlot(row=0, col=0)
        self._bars_plot = self._view.addPlot(row=0, col=1)
        self._view.ci.layout.setColumnStretchFactor(0, 4)
        self._view.ci.layout.setColumnStretchFactor(1, 1)
        for plot in (self._lines_plot, self._bars_plot):
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.setYRange(0, 100, padding=0.02)
        self._lines_plot.setXRange(-HISTORY_S, 0, padding=0)
        self._curves = [self._lines_plot.plot([], [], name=f"core {i}") for i in range(self._cores)]
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
        top.addWidget(self._summary)
        top.addStretch(1)
        layout.addLayout(top)
        layout.addWidget(self._view, 1)
        self._summary.setText(f"{self._cores} logical cores · waiting for the first sample")

    def _apply_theme(self) -> None:
        plot_style.style_view(self._view, self)
        for plot in (self._lines_plot, self._bars_plot):
            plot_style.style_plot(plot, self)
            plot.getAxis("bottom").setZValue(-100)  # grid behind the data
            plot.getAxis("left").setZValue(-100)
        plot_style.set_axis_label(self._lines_plot, "left", "Utilisation (%)", self)
        plot_style.set_axis_label(self._lines_plot, "bottom", "Seconds ago", self, units="")
        plot_style.set_axis_label(self._bars_plot, "bottom", "Core", self)
        colours = [plot_style.colour_for(i) for i in range(self._cores)]
        for curve, colour in zip(self._curves, colours, strict=True):
            curve.setPen(pg.mkPen(colour, width=1.6))
        self._bars.setOpts(brushes=[pg.mkBrush(c) for c in colours], pen=None)

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._apply_theme()
        super().changeEvent(event)

    # --- public API -----------------------------------------------------------------------------

    def start(self) -> None:
        if not self._timer.isActive():
            psutil.cpu_percent(percpu=True)  # measure from now, not from the last stop
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def is_running(self) -> bool:
        return self._timer.isActive()

    def cores(self) -> int:
        return self._cores

    def samples(self) -> int:
        return self._samples

    def latest(self) -> list[float]:
        """The last sample, percent per core (zeros before the first)."""
        last = self._history[:, -1]
        return [0.0 if np.isnan(v) else float(v) for v in last]

    def sample(self) -> None:
        """Take one sample now (the timer's slot; non-blocking) and redraw."""
        values = psutil.cpu_percent(percpu=True)[: self._cores]
        values += [0.0] * (self._cores - len(values))
        self._history = np.roll(self._history, -1, axis=1)
        self._history[:, -1] = values
        self._samples += 1
        valid = ~np.isnan(self._history[0])
        for curve, row in zip(self._curves, self._history, strict=True):
            curve.setData(self._ages[valid], row[valid])
        self._bars.setOpts(height=np.asarray(values, float))
        busy = sum(1 for v in values if v >= 50)
        self._summary.setText(
            f"{self._cores} logical cores · average {sum(values) / self._cores:.0f} % · "
            f"{busy} busy (≥ 50 %)"
        )

    def closeEvent(self, event) -> None:  # Qt override
        self.stop()
        super().closeEvent(event)
