"""What one axis re-lay costs a paint: a 900 x 400 plot whose y range moves, styled variants.

Usage: python tests/benchmarks/axis_relay.py [--frames 15]

An axis whose range moves draws its ticks, labels and grid lines again (pyqtgraph's AxisItem
records them in a QPicture and replays it). The window's live plots paint several such frames
a run, so this is the figure behind two choices in ``desktop_app/ui/plot_style.py``: the axes
are cached as pixmaps (``DeviceCoordinateCache``: a frame whose axes did not move only blits
them) and drawn with two tick levels, not three (the third's faint grid lines were most of a
re-lay). Variants alternate, frame by frame; the figure is the median viewport repaint, GUI
thread CPU time. Results go to tests/benchmarks/results/axis_relay.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_util import median, write_results

VARIANTS = {  # name: (grid, cached, tick levels)
    "app: grid, cached, 2 levels": (True, True, 1),
    "grid, cached, 3 levels (pyqtgraph's default)": (True, True, 2),
    "grid, uncached, 3 levels": (True, False, 2),
    "no grid, cached, 3 levels": (False, True, 2),
}
TOPS = (0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3)


def build(app, grid: bool, cached: bool, level: int):
    import pyqtgraph as pg
    from PySide6.QtWidgets import QGraphicsItem

    widget = pg.PlotWidget()
    widget.resize(900, 400)
    widget.show()
    plot = widget.getPlotItem()
    if grid:
        plot.showGrid(x=True, y=True, alpha=0.18)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        if cached:
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        axis.setStyle(maxTickLevel=level)
    plot.plot([0, 1, 2, 3], [0.01, 0.03, 0.05, 0.04], symbol="o")
    for _ in range(5):
        app.processEvents()
    return widget


def repaint_ms(widget, top: float | None) -> float:
    if top is not None:
        widget.getPlotItem().setYRange(0, top, padding=0)
    began = time.thread_time()
    widget.viewport().repaint()
    return (time.thread_time() - began) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=15, help="frames per variant (default 15)")
    options = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    widgets = {name: build(app, *spec) for name, spec in VARIANTS.items()}
    moved: dict[str, list[float]] = {name: [] for name in VARIANTS}
    still: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for frame in range(options.frames):
        for name, widget in widgets.items():  # alternating: drift hits every variant alike
            moved[name].append(repaint_ms(widget, TOPS[frame % len(TOPS)]))
            still[name].append(repaint_ms(widget, None))
    results = {
        name: {
            "axis_moved_ms": round(median(moved[name]), 2),
            "axis_still_ms": round(median(still[name]), 2),
        }
        for name in VARIANTS
    }
    for name, figures in results.items():
        print(
            f"{name:46s} re-lay frame {figures['axis_moved_ms']:5.2f} ms, "
            f"unchanged frame {figures['axis_still_ms']:5.2f} ms"
        )
    write_results("axis_relay", {"frames": options.frames, "variants": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
