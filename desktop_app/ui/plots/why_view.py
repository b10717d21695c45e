"""The "Why not N×" view: each measurement's wall time split into the ideal and the gap's
causes, one stacked bar per pool size, with the same plain words the CLI prints (issue 14).

A bar starts with the ideal wall time (the serial run divided by the ideal speedup: the pool
size for I/O, the cores for CPU-bound work), then the gap's parts from engine/why_not.py:
overhead (sending, pickling, queueing, collecting), load imbalance (workers idle at the end),
waiting (for the GIL or a lock on threads, for a core on processes), and the rest. A tick in
the palette's text colour marks what was measured: when "the rest" comes out negative (the tasks ran faster than in
the serial run, or other programs slowed the serial run) the parts overrun the tick, and the
tooltip says so rather than hiding it. The numbers are made where the run ends, off the GUI
thread (``RunReport.why_bars``); this view only draws them.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QPlainTextEdit, QSplitter, QVBoxLayout, QWidget

from . import plot_style
from .plot_legend import add_layout_legend
from .stacked_bars import Part, StackedBars
from .timing_layout import arrange_wall

# Mid-luminance colours, readable on light and dark; the ideal is the neutral grey, so the
# coloured length is the gap.
PART_COLOURS = {
    "ideal": "#8c8c8c",
    "overhead": "#f28e2b",
    "imbalance": "#4e79a7",
    "waiting": "#e15759",
    "rest": "#b07aa1",
}
PART_NAMES = {
    "ideal": "ideal (serial ÷ ideal speedup)",
    "overhead": "overhead: sending, pickling, queueing",
    "imbalance": "load imbalance: workers idle at the end",
    "waiting": "waiting inside tasks (GIL, lock or a core)",
    "rest": "the rest (tasks slower than serially)",
}
EMPTY = "No sweep with a serial baseline yet: run a lesson with serial and a pool to see why"
NO_SPLIT = "No split by cause for this run: the words below say why"


class WhyView(QWidget):
    """Stacked bars of each measurement's ideal and gap, and the words beneath them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("whyView")
        self.graphics = pg.GraphicsLayoutWidget()
        self._plot = self.graphics.addPlot(row=0, col=0)
        self._plot.setMenuEnabled(False)
        self._plot.setMouseEnabled(x=False, y=False)
        self._legend = add_layout_legend(self.graphics.ci, 1, (self._plot,))
        self._stack = StackedBars(self._plot, self._legend)
        self._bars = self._stack.bars
        self._ticks = pg.ScatterPlotItem(symbol="|", size=22, pen=pg.mkPen(width=2.5))
        self._ticks.setZValue(10)  # over the bars: a tick inside a bar that overruns it shows
        self._plot.addItem(self._ticks)
        self._hint = pg.TextItem(EMPTY, anchor=(0.5, 0.5))
        self._plot.addItem(self._hint)
        self.words = QPlainTextEdit()
        self.words.setObjectName("whyWords")
        self.words.setReadOnly(True)
        self.words.setPlaceholderText("The same explanation in words appears here.")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.graphics)
        splitter.addWidget(self.words)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._rows: list[dict[str, Any]] = []
        self._apply_theme()
        self._draw()

    def rows(self) -> list[dict[str, Any]]:
        """What the bars show, one row per measurement (``RunReport.why_bars``)."""
        return list(self._rows)

    def segments(self, row: int) -> dict[str, float]:
        """The drawn widths (s) of row ``row``'s parts, ideal first; negative parts drawn as 0."""
        return _widths(self._rows[row])

    def export_item(self) -> pg.GraphicsLayout:
        return self.graphics.ci

    def show_why(self, rows: list[dict[str, Any]], lines: list[str]) -> None:
        """Draw ``rows`` and show ``lines`` (both from the run's end); empty clears the view."""
        self._rows = [row for row in rows if row.get("parts")]  # asyncio: no split by worker
        self.words.setPlainText("\n".join(lines))
        self._hint.setText(NO_SPLIT if rows and not self._rows else EMPTY)
        self._draw()

    def clear(self) -> None:
        self.show_why([], [])

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        built = hasattr(self, "_legend")
        if built and event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._apply_theme()
        super().changeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt override
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        """The legend below the bars or beside them, whichever keeps every name clear."""
        view = self.graphics
        arrange_wall(view.ci, self._legend, max(1.0, view.width() - 8.0), max(1.0, view.height()))

    def _apply_theme(self) -> None:
        plot_style.style_view(self.graphics, self)
        plot_style.style_plot(self._plot, self)
        plot_style.set_axis_label(self._plot, "bottom", "Wall time", self, "s")
        plot_style.style_legend(self._legend, self)
        self._legend.invalidate()
        text = plot_style.palette_colours(self)[1]
        self._hint.setColor(text)
        self._ticks.setPen(pg.mkPen(text, width=2.5))

    def _draw(self) -> None:
        self._stack.remove()
        rows = self._rows
        self._hint.setVisible(not rows)
        if not rows:
            self._ticks.setData([], [])
            self._stack.show_empty()
            self._hint.setPos(0.5, 0)
            return
        widths = [_widths(row) for row in rows]
        parts = [
            Part(PART_NAMES[part], colour, [w[part] for w in widths], _tooltip(part, rows))
            for part, colour in PART_COLOURS.items()
        ]
        many = len({row["series"] for row in rows}) > 1
        ends = self._stack.draw(parts, [_label(row, many) for row in rows], self)
        measured = [row["measured_s"] for row in rows]
        self._ticks.setData(measured, list(range(len(rows))))
        self._legend.addItem(self._ticks, "measured wall time")
        self._arrange()
        self._stack.fit(max(max(ends), max(measured)), len(rows))


def _widths(row: dict[str, Any]) -> dict[str, float]:
    parts = row["parts"]
    widths = {"ideal": max(row["ideal_s"], 0.0)}
    for part in ("overhead", "imbalance", "waiting", "rest"):
        widths[part] = max(parts.get(part, 0.0), 0.0)
    return widths


def _label(row: dict[str, Any], many: bool) -> str:
    name = f"{row['series']} · {row['backend']}" if many else row["backend"]
    return f"{name} × {row['pool_size']}"


def _ms(seconds: float) -> str:
    return f"{1e3 * seconds:.1f} ms"


def _tooltip(part: str, rows: list[dict[str, Any]]) -> str:
    lines = [PART_NAMES[part]]
    many = len({row["series"] for row in rows}) > 1
    for row in rows:
        label = _label(row, many)
        if part == "ideal":
            low, high = row["speedup_ci"]
            interval = (
                f"; speedup 95 % CI {low:.2f}–{high:.2f}"
                if math.isfinite(low) and math.isfinite(high)
                else ""
            )
            lines.append(
                f"{label}: ideal {_ms(row['ideal_s'])}, measured {_ms(row['measured_s'])}{interval}"
            )
            continue
        value = row["parts"].get(part, 0.0)
        text = f"{label}: {_ms(value)}"
        if part == "waiting" and row["waiting_for"]:
            text += f" waiting for {row['waiting_for']}"
            if row["other_programs"]:
                text += " (other programs held the cores)"
        if value < 0:
            text += (
                " — negative: the tasks ran faster here than in the serial run (or other "
                "programs slowed that run), so the parts before it overrun the measured tick"
            )
        lines.append(text)
    return "\n".join(lines)
