"""Render the timing plot (both tabs), the timeline and the CPU view at small and large sizes,
in a light and a dark palette, to look at them: layout, legends, labels, not the data.

Not a test: ``python tests/benchmarks/render_plot_sizes.py [outdir]`` (default
/tmp/plot_sizes/) and open the PNGs. The io-vs-cpu measurements are typical figures of a 2-core
machine written in here (I/O threads beat min(p, cores); one noisy row), so a look costs no run;
render_widgets.py renders from a real run.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop_app.engine.records import Measurement, SpanTable, TaskSpan

SIZES = ((420, 300), (640, 480), (1000, 650), (1280, 800), (1920, 1080))
# (series, bound, backend, pool size, wall times of three repeats)
ROWS = (
    ("io", "io", "serial", 1, (0.84, 0.85, 0.84)),
    ("io", "io", "threads", 4, (0.22, 0.22, 0.23)),
    ("io", "io", "processes", 4, (0.41, 0.65, 0.40)),  # noisy: one slow start-up
    ("cpu", "cpu", "serial", 1, (0.80, 0.81, 0.80)),
    ("cpu", "cpu", "threads", 4, (0.83, 0.84, 0.83)),
    ("cpu", "cpu", "processes", 4, (0.52, 0.50, 0.51)),
)


def measurements() -> list[Measurement]:
    out = []
    for series, bound, backend, size, walls in ROWS:
        for repeat, wall in enumerate(walls):
            out.append(Measurement(series, backend, size, repeat, wall, 0.0, "completed", 8, bound))
    return out


def sweep() -> list[Measurement]:
    """A pool-timing style sweep over 1..64 (the x axis at its widest)."""
    out = [Measurement("cpu", "serial", 1, r, 1.0, 0.0, "completed", 8) for r in range(3)]
    for size in (1, 2, 4, 8, 16, 32, 64):
        wall = 1.0 / min(size, 2) + 0.01 * size
        out += [Measurement("cpu", "pool", size, r, wall, 0.0, "completed", 8) for r in range(3)]
    return out


def spans() -> SpanTable:
    """Two workers, each running every fourth task back to back (tasks 0, 4, 8 … on one)."""
    table = SpanTable()
    for task in range(16):
        worker, slot = task % 2, task // 2
        start = 0.01 + slot * 0.05
        table.append(TaskSpan(task, 1000 + worker, "MainThread", start, start + 0.05, task != 9))
    return table


def render(outdir: str, dark: bool) -> None:
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.plots.cpu_view import CpuView
    from desktop_app.ui.plots.task_timeline import TaskTimeline
    from desktop_app.ui.plots.timing_plot import TimingPlot

    sys.path.insert(0, os.path.dirname(__file__))
    from render_widgets import _dark_palette

    app = QApplication.instance() or QApplication(sys.argv)
    app.setPalette(_dark_palette(QPalette, QColor) if dark else app.style().standardPalette())
    tone = "dark" if dark else "light"
    for name, data in (("iovscpu", measurements()), ("sweep", sweep())):
        for width, height in SIZES:
            plot = TimingPlot()
            plot.resize(width, height)
            plot.show()
            for m in data:
                plot.add_measurement(m)
            plot.settle()
            for view in (0, 1):
                plot.set_current_view(view)
                plot.refresh()
                for _ in range(3):
                    app.processEvents()
                tab = ("wall", "speed")[view]
                plot.grab().save(f"{outdir}/{name}-{tab}-{width}x{height}-{tone}.png")
            plot.close()
    for width, height in ((640, 300), (1280, 400)):
        timeline = TaskTimeline()
        timeline.resize(width, height)
        timeline.show()
        timeline.reset(0.0)
        timeline.begin_measurement("io: threads × 2, repeat 1")
        timeline.add_spans(spans())
        timeline.settle()
        timeline.refresh()
        app.processEvents()
        timeline.grab().save(f"{outdir}/timeline-{width}x{height}-{tone}.png")
        timeline.close()
        cpu = CpuView()
        cpu.resize(width, height)
        cpu.show()
        cpu.start()  # a run: the shaded span
        for step in range(12):
            sum(i * i for i in range(200_000 * (step % 4)))
            cpu.sample_now()
            if step == 8:
                cpu.stop()
        app.processEvents()
        cpu.grab().save(f"{outdir}/cpu-{width}x{height}-{tone}.png")
        cpu.close()


def main() -> None:
    outdir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/plot_sizes"
    os.makedirs(outdir, exist_ok=True)
    for dark in (False, True):
        render(outdir, dark)
    print(f"wrote PNGs to {outdir}")


if __name__ == "__main__":
    main()
