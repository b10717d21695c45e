"""The "Hops" view: where a process pool's time went, one stacked bar per pool size (issue 14).

Each bar is a measurement group's pool start-up (its cold start; warm repeats start nothing)
followed by its median wall time split in proportion to the six hops' shares of the chunks'
time (engine/hops.py): queued, pickling arguments, transfer, running, pickling results,
returned. Thread, serial, asyncio and dask measurements carry no hops and get no bar.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QWidget

from ...engine.hops import PART_LABELS, PARTS, HopRow, hop_rows
from ...engine.records import Measurement
from . import plot_style
from .plot_legend import add_layout_legend
from .stacked_bars import Part, StackedBars
from .timing_layout import arrange_wall

# One colour per part, mid-luminance (readable on dark and light); running is the green one,
# so "how much green" reads as "how much of the time the tasks ran".
PART_COLOURS = {
    "startup": "#8c8c8c",
    "queued": "#4e79a7",
    "pickling_args": "#f28e2b",
    "transfer": "#e15759",
    "running": "#59a14f",
    "pickling_results": "#edc948",
    "returned": "#b07aa1",
}
PART_NAMES = {"startup": "pool start-up", **PART_LABELS}
EMPTY = "No process-pool measurement yet: hops are measured for processes and pool only"


class HopsView(pg.GraphicsLayoutWidget):
    """Stacked horizontal bars of the hops, redrawn only when its measurements change."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hopsView")
        self._plot = self.addPlot(row=0, col=0)
        self._plot.setMenuEnabled(False)
        self._plot.setMouseEnabled(x=False, y=False)
        self._legend = add_layout_legend(self.ci, 1, (self._plot,))
        self._stack = StackedBars(self._plot, self._legend)
        self._bars = self._stack.bars
        self._hint = pg.TextItem(EMPTY, anchor=(0.5, 0.5))
        self._plot.addItem(self._hint)
        self._drawn: tuple | None = None
        self._rows: list[HopRow] = []
        self._apply_theme()

    def rows(self) -> list[HopRow]:
        """What the bars show, one row per (series, backend, pool size)."""
        return list(self._rows)

    def export_item(self) -> pg.GraphicsLayout:
        return self.ci

    def show_measurements(self, measurements: list[Measurement]) -> None:
        """Draw the bars for ``measurements`` (skipped when those with hops did not change)."""
        key = tuple(id(m) for m in measurements if m.hops is not None)
        if key == self._drawn:
            return
        self._drawn = key
        self._rows = hop_rows(measurements)
        self._draw()

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        built = hasattr(self, "_legend")  # the base class's __init__ changes the palette too
        if built and event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._apply_theme()
        super().changeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt override
        super().resizeEvent(event)
        if hasattr(self, "_legend"):
            self._arrange()

    def _arrange(self) -> None:
        """The legend below the bars or beside them, whichever keeps every name clear."""
        arrange_wall(self.ci, self._legend, max(1.0, self.width() - 8.0), max(1.0, self.height()))

    def _apply_theme(self) -> None:
        plot_style.style_view(self, self)
        plot_style.style_plot(self._plot, self)
        plot_style.set_axis_label(self._plot, "bottom", "Time (start-up, then wall)", self, "s")
        plot_style.style_legend(self._legend, self)
        self._legend.invalidate()
        self._hint.setColor(plot_style.palette_colours(self)[1])

    def _draw(self) -> None:
        self._stack.remove()
        rows = self._rows
        self._hint.setVisible(not rows)
        if not rows:
            self._stack.show_empty()
            self._hint.setPos(0.5, 0)
            return
        widths = {"startup": [row.startup_s for row in rows]}
        for part in PARTS:
            widths[part] = [row.shares[part] * row.wall_s for row in rows]
        parts = [
            Part(PART_NAMES[part], PART_COLOURS[part], width, _tooltip(part, rows))
            for part, width in widths.items()
        ]
        ends = self._stack.draw(parts, [_label(row) for row in rows], self)
        self._arrange()
        self._stack.fit(max(ends), len(rows))


def _label(row: HopRow) -> str:
    return f"{row.backend} × {row.pool_size} ({row.repeats}×)"


def _tooltip(part: str, rows: list[HopRow]) -> str:
    lines = [PART_NAMES[part]]
    for row in rows:
        if part == "startup":
            lines.append(f"{_label(row)}: {1e3 * row.startup_s:.2f} ms (cold start)")
            continue
        low, high = row.share_range[part]
        lines.append(
            f"{_label(row)}: {100 * row.shares[part]:.0f} % of the chunks' time "
            f"({100 * low:.0f}–{100 * high:.0f} % over {row.repeats} repeats); "
            f"sent {row.args_bytes:.0f} B, received {row.result_bytes:.0f} B, "
            f"{row.bytes_per_s / 1e6:.2f} MB/s"
        )
    return "\n".join(lines)
