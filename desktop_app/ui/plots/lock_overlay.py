"""The timeline's lock lanes, drawn: waiting hatched and pale, holding solid, giving up in red
hatching, and each lost update as a red tick above its worker's bars (where its overwritten
write landed). Four bar items for any number of holds, as the task bars are drawn.

The data side (lanes, bars, hover text) is ``viewmodels/lock_lanes.py``; the timeline
(task_timeline.py) owns this overlay and asks it for the lane labels and the hover text.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from ...engine.lock_events import LockLog
from ..viewmodels.lock_lanes import LockLanes
from . import plot_style
from .timeline_bars import BAR_HEIGHT, SpanBars

KINDS = ("lock_wait", "lock_hold", "lock_gave_up", "lost")
LANE_HEIGHT = 0.5  # a lane's bars are thinner than a task's: they are about the task rows
LOST_HEIGHT = (1 - BAR_HEIGHT) / 2  # the strip between the row's top edge and its bars
HOLD_COLOUR = "#4e79a7"


class LockOverlay:
    """Holds each measurement's lock lanes and draws the shown one's into ``plot``."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._lanes: dict[str, LockLanes] = {}
        self._shown: LockLanes | None = None
        self._workers: list[str] = []
        self.items = {name: SpanBars(x0=[], x1=[], y0=[], y1=[]) for name in KINDS}
        for item in self.items.values():
            plot.addItem(item)
        self.colours: dict[str, QColor] = {}

    def style(self, dark: bool) -> None:
        hold = QColor(HOLD_COLOUR).lighter(130) if dark else QColor(HOLD_COLOUR)
        wait = QColor(hold)
        wait.setAlpha(150)
        failed = QColor(plot_style.OUTCOME_COLOURS["failed"])
        self.colours = {
            "lock_wait": wait,
            "lock_hold": hold,
            "lock_gave_up": failed,
            "lost": failed,
        }
        hatched = {"lock_wait", "lock_gave_up"}
        for name, item in self.items.items():
            brush = QBrush(self.colours[name])
            if name in hatched:
                brush.setStyle(Qt.BrushStyle.BDiagPattern)
            pen = pg.mkPen(self.colours[name], width=0) if name in hatched else pg.mkPen(None)
            item.setOpts(brush=brush, pen=pen)

    def clear(self) -> None:
        self._lanes.clear()
        self._shown = None

    def add(self, label: str, log: LockLog) -> None:
        self._lanes[label] = LockLanes(log)

    def has(self, label: str) -> bool:
        return label in self._lanes

    def lane_labels(self, label: str, workers: list[str]) -> list[str]:
        lanes = self._lanes.get(label)
        return lanes.labels(workers) if lanes is not None else []

    def draw(self, label: str | None, workers: list[str], origin: float, pixel: float) -> None:
        """Show ``label``'s lanes below ``workers``' rows (nothing if it traced no lock)."""
        self._shown = self._lanes.get(label) if label is not None else None
        self._workers = workers
        bars = self._shown.bars(workers, origin, pixel) if self._shown is not None else {}
        empty = np.zeros(0)
        for name, item in self.items.items():
            start, end, row = bars.get(name, (empty, empty, empty))
            if name == "lost":  # a strip above the worker's bar, to the row's top edge
                top = row - 0.5
                item.setOpts(x0=start, x1=end, y0=top, y1=top + LOST_HEIGHT)
            else:
                item.setOpts(x0=start, x1=end, y0=row - LANE_HEIGHT / 2, y1=row + LANE_HEIGHT / 2)

    def describe(self, x: float, y: float, pixel: float, origin: float) -> str:
        if self._shown is None:
            return ""
        return self._shown.describe(self._workers, x, y, pixel, origin)

    def legend_html(self) -> str:
        """The lanes' key, added to the timeline's when the shown measurement traced locks."""
        if self._shown is None or not self.colours:
            return ""
        hold, lost = self.colours["lock_hold"].name(), self.colours["lost"].name()
        parts = []
        if self._shown.lane_keys:
            parts.append(
                f"lock lanes: <span style='color:{hold}'>▨</span> waiting "
                f"<span style='color:{hold}'>■</span> holding "
                f"<span style='color:{lost}'>▨</span> gave up"
            )
        if len(self._shown.lost_write):
            count = len(self._shown.lost_write)
            parts.append(f"<span style='color:{lost}'>▮</span> {count:,} lost updates")
        return "".join(f"&nbsp;&nbsp;{part}" for part in parts)
