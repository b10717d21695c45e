"""Amdahl's law and the Universal Scalability Law fitted to each sweep's speedups, drawn
beside the ideal curve, and each speedup's 95 % bootstrap interval as an error bar
(engine/scaling_fit.py).

Amdahl (dotted) gives the serial fraction: the part of the work no number of workers shortens,
with its 95 % interval; the legend names both, so "why not N×" has a number. Both fits see the
workers that could run at once (each size's ideal speedup: the cores, for CPU-bound work), not
the pool sizes: Amdahl needs two distinct such counts, so a CPU-bound sweep of 2, 4 and 8 on
two cores gets no curve (one count: 2), which the speedup tab's tooltip says. USL (dash-dot)
adds coherence, the cost that makes a curve turn down as workers are added, which Amdahl cannot
draw; with two parameters it needs three distinct counts. Each curve is kept
between runs like the others. The interval resamples the serial and the pool's repeats (one
repeat each: no bar, there is nothing to resample).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ...engine.records import Measurement
from ...engine.scaling_fit import Fit, bootstrap_speedup
from ...engine.why_not import fits_of
from .timing_curves import Curve, hide_all, reuse


class FitCurves:
    """A dotted Amdahl curve and a dash-dot USL curve per (series, backend) on the speedup
    plot (``curves`` and ``fits`` are keyed by the series' key, ``("usl", key)`` for USL)."""

    def __init__(self, speedup: pg.PlotItem) -> None:
        self._plot = speedup
        self.curves: dict[object, Curve] = {}
        self.fits: dict[object, Fit] = {}
        self.bars: dict[object, pg.ErrorBarItem] = {}
        self.intervals: dict[object, list[tuple[float, float]]] = {}

    def hide(self) -> None:
        hide_all(self._plot, self.curves)
        self.fits.clear()
        self.intervals.clear()
        for bars in self.bars.values():
            bars.setVisible(False)

    def draw_intervals(
        self, key: tuple[str, str], sizes, speedups, measurements: list[Measurement], colour
    ) -> None:
        """Error bars spanning each speedup's 95 % bootstrap interval over the repeats."""
        walls: dict[tuple[str, int], list[float]] = {}
        for m in measurements:
            if m.state == "completed" and m.series == key[0] and m.backend in ("serial", key[1]):
                size = 1 if m.backend == "serial" else m.pool_size
                walls.setdefault((m.backend, size), []).append(m.wall_s)
        serial = [
            w for (backend, _), values in walls.items() if backend == "serial" for w in values
        ]
        spans = []
        for size in sizes:
            repeats = walls.get((key[1], size), [])
            if len(serial) > 1 and len(repeats) > 1:
                spans.append(bootstrap_speedup(serial, repeats, rounds=1000))
            else:
                spans.append((float("nan"), float("nan")))
        self.intervals[key] = spans
        bars = self.bars.get(key)
        if bars is None:
            bars = self.bars[key] = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), beam=0.08)
            self._plot.addItem(bars)
        y = np.asarray(speedups, float)
        low = np.array([s[0] for s in spans])
        high = np.array([s[1] for s in spans])
        shown = np.isfinite(low)
        bars.setData(
            x=np.log2(np.asarray(sizes, float))[shown],
            y=y[shown],
            top=np.maximum(high[shown] - y[shown], 0.0),
            bottom=np.maximum(y[shown] - low[shown], 0.0),
            pen=pg.mkPen(colour, width=1.5),
        )
        bars.setVisible(bool(shown.any()))

    def draw(self, key: tuple[str, str], sizes, workers, speedups, colour, many: bool) -> None:
        """Fit ``key``'s speedups at pool ``sizes`` and draw the curves. The fits see the
        workers that run at once (``workers``: each size's ideal speedup, the cores for
        CPU-bound work), so a sweep past the cores flattens because of the machine, not a
        fitted serial fraction; the curves follow that cap along the pool-size axis."""
        who = f"{key[0]} · {key[1]}" if many else key[1]
        amdahl, usl = fits_of(list(zip(workers, speedups, strict=True)))
        cap = _cap(sizes, workers)
        self._draw_usl(key, usl, cap, max(sizes), colour, who)
        if amdahl is None:
            self._drop(key)
            return
        result = self.fits[key] = amdahl
        share = result.values[0]
        low, high = result.interval("serial_fraction")
        if share >= 1.0:  # more workers were no faster (or slower): nothing ran in parallel
            name = f"Amdahl fit · {who}: no speedup (all serial)"
        else:
            name = (
                f"Amdahl fit · {who}: serial {max(share, 0.0):.0%} "
                f"(95 % {max(low, 0.0):.0%}–{min(high, 1.0):.0%})"
            )
        curve = reuse(self.curves, key, self._plot, name, colour, None, False, Qt.PenStyle.DotLine)
        p = np.geomspace(1.0, float(max(sizes)), 48)
        curve.line.setData(np.log2(p), result.speedup(np.minimum(p, cap)))

    def _draw_usl(self, key, result: Fit | None, cap: float, largest: int, colour, who) -> None:
        """The USL curve of ``key`` (``result``: None below three worker counts); its legend
        names contention (σ) and coherence (κ) in plain words, and where the curve peaks."""
        usl_key = ("usl", key)
        if result is None or not all(np.isfinite(result.values)):
            self._drop(usl_key)
            return
        self.fits[usl_key] = result
        contention, coherence = result.values
        if result.at_bound and result.at_bound[0] and contention >= 1.0:
            name = f"USL fit · {who}: contention 100% (no speedup at all)"
        else:
            name = f"USL fit · {who}: contention {contention:.0%}, coherence {coherence:.1%}"
            if coherence > 0 and _peak(contention, coherence) < min(cap, largest):
                name += f" (peaks at {_peak(contention, coherence):.1f} workers)"
        curve = reuse(
            self.curves, usl_key, self._plot, name, colour, None, False, Qt.PenStyle.DashDotLine
        )
        p = np.geomspace(1.0, float(largest), 48)
        curve.line.setData(np.log2(p), result.speedup(np.minimum(p, cap)))

    def _drop(self, key: object) -> None:
        curve = self.curves.get(key)
        if curve is not None:
            curve.set_visible(self._plot, False)
        self.fits.pop(key, None)


def _cap(sizes, workers) -> float:
    """The most workers that ran at once (the cores, when a CPU-bound sweep went past them;
    infinite when every size ran all its workers, as I/O-bound work does)."""
    capped = [w for s, w in zip(sizes, workers, strict=True) if w < s]
    return float(min(capped)) if capped else float("inf")


def _peak(contention: float, coherence: float) -> float:
    """The pool size where a USL curve peaks: sqrt((1 - σ) / κ) (Gunther)."""
    return float(np.sqrt(max(1.0 - contention, 0.0) / coherence))
