"""The timing plot's ideal curves, one per model of perfect scaling.

CPU-bound work scales to min(p, cores): more workers than cores only take turns. I/O-bound
work waits, and waiting needs no core, so its ideal is p (``stats.ideal_speedup``). Each model
has its own colour and dash (they must read apart in grey too) and names its formula in the
legend; the wall view shows serial / that per series.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ...engine.stats import ideal_model, ideal_speedup
from . import plot_style
from .timing_curves import Curve, hide_all, reuse

IDEAL_DASH = {"cpu": Qt.PenStyle.DashLine, "io": Qt.PenStyle.DashDotLine}
BOUND_WORDS = {"cpu": "CPU-bound", "io": "I/O-bound"}


class IdealCurves:
    """The dashed ideal curves of the wall, speedup and efficiency plots, kept between runs."""

    def __init__(self, wall: pg.PlotItem, speedup: pg.PlotItem, efficiency: pg.PlotItem) -> None:
        self._wall, self._speedup, self._efficiency = wall, speedup, efficiency
        self.walls: dict[str, Curve] = {}  # per series: serial / its ideal speedup
        self._speeds: dict[str, Curve] = {}  # per bound ("cpu", "io"): the ideal speedup
        self._effs: dict[str, Curve] = {}  # per bound: the ideal efficiency

    def hide(self, view: str | None = None) -> None:
        """Hide the curves of ``view`` ("wall" or "speed"; by default both)."""
        if view in (None, "wall"):
            hide_all(self._wall, self.walls)
        if view in (None, "speed"):
            hide_all(self._speedup, self._speeds)
            hide_all(self._efficiency, self._effs)

    def draw_speed(self, p: np.ndarray, bounds: set[str], cores: int) -> None:
        """The ideal speedup and efficiency over pool sizes ``p`` for each model in ``bounds``."""
        self.hide("speed")
        for bound in sorted(bounds):
            ideal = ideal_curve(p, bound, cores)
            style = ideal_style(bound)
            name = f"ideal, {BOUND_WORDS.get(bound, bound)}: {ideal_model(bound)}"
            speed = reuse(self._speeds, bound, self._speedup, name, *style)
            speed.line.setData(np.log2(p), ideal)
            eff = reuse(self._effs, bound, self._efficiency, None, *style)
            eff.line.setData(np.log2(p), 100.0 * ideal / p)

    def draw_wall(
        self,
        p: np.ndarray,
        bases: dict[str, float | None],
        bounds: dict[str, str],
        cores: int,
        many: bool,
    ) -> None:
        """serial / ideal speedup per series with a one-worker time in ``bases``."""
        self.hide("wall")
        for series, base in bases.items():
            if base is None:
                continue
            bound = bounds[series]
            formula = f"serial / {ideal_model(bound)}"
            name = f"ideal · {series}: {formula}" if many else f"ideal: {formula}"
            curve = reuse(self.walls, series, self._wall, name, *ideal_style(bound))
            curve.line.setData(np.log2(p), base / ideal_curve(p, bound, cores))


def ideal_points(sizes: list[int], cores: int) -> np.ndarray:
    """Where an ideal curve is evaluated: 64 points from 1 to the largest pool size, with the
    core count (its kink) and every measured size among them."""
    top = max(max(sizes), 2)
    # sorted(set()), not np.unique: that imports numpy.ma on first use, 24 ms mid-run
    points = {*np.geomspace(1, top, 64).tolist(), float(cores), *map(float, sizes)}
    return np.array(sorted(x for x in points if x <= top))


def ideal_curve(p: np.ndarray, bound: str, cores: int) -> np.ndarray:
    """``stats.ideal_speedup`` over an array of (fractional, for a smooth curve) pool sizes."""
    capped = ideal_speedup(2, 1, bound) < 2  # does the model stop at the cores?
    return np.minimum(p, cores) if capped else p


def ideal_style(bound: str) -> tuple:
    colour = plot_style.IDEAL_COLOURS.get(bound, plot_style.IDEAL_COLOURS["cpu"])
    return colour, None, False, IDEAL_DASH.get(bound, Qt.PenStyle.DashLine)
