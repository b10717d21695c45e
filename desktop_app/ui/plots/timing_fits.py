"""Amdahl's law fitted to each sweep's speedups, drawn dotted beside the ideal curve.

The fit (engine/scaling_fit.py) gives the serial fraction: the part of the work no number of
workers shortens, with its 95 % interval; the legend names both, so "why not N×" has a number.
A sweep needs two pool sizes or more; each curve is kept between runs like the others.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ...engine.scaling_fit import Fit, fit
from .timing_curves import Curve, hide_all, reuse


class FitCurves:
    """One dotted Amdahl curve per (series, backend) on the speedup plot."""

    def __init__(self, speedup: pg.PlotItem) -> None:
        self._plot = speedup
        self.curves: dict[object, Curve] = {}
        self.fits: dict[object, Fit] = {}

    def hide(self) -> None:
        hide_all(self._plot, self.curves)
        self.fits.clear()

    def draw(self, key: tuple[str, str], sizes, speedups, colour, many: bool) -> None:
        """Fit and draw ``key``'s speedups at ``sizes`` (its curve hidden below two sizes)."""
        if len(sizes) < 2:
            curve = self.curves.get(key)
            if curve is not None:
                curve.set_visible(self._plot, False)
            self.fits.pop(key, None)
            return
        result = self.fits[key] = fit("amdahl", sizes, speedups)
        share = result.values[0]
        low, high = result.interval("serial_fraction")
        who = f"{key[0]} · {key[1]}" if many else key[1]
        if share >= 1.0:  # more workers were no faster (or slower): nothing ran in parallel
            name = f"Amdahl fit · {who}: no speedup (all serial)"
        else:
            name = (
                f"Amdahl fit · {who}: serial {max(share, 0.0):.0%} "
                f"(95 % {max(low, 0.0):.0%}–{min(high, 1.0):.0%})"
            )
        curve = reuse(self.curves, key, self._plot, name, colour, None, False, Qt.PenStyle.DotLine)
        p = np.geomspace(1.0, float(max(sizes)), 48)
        curve.line.setData(np.log2(p), result.speedup(p))
