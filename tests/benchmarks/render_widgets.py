"""Render the timing plot, the task timeline and the CPU view from a real run, to look at them.

Not a test: run ``python tests/benchmarks/render_widgets.py [outdir]`` and open the PNGs
(default /tmp/widgets/), in a light and a dark palette. It also prints the refresh cost.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop_app.engine.executors import make_executor
from desktop_app.engine.records import Measurement, SpanTable
from desktop_app.workloads import cpu_burn

SIZES = (1, 2, 4, 8)
ITEMS = [60_000] * 24


def measure() -> tuple[list[Measurement], list[tuple[str, SpanTable]], float]:
    """Serial, threads and processes over ``cpu_burn`` at each size; every executor shut down."""
    origin = time.perf_counter()
    measurements, spans = [], []
    for backend in ("serial", "threads", "processes"):
        for size in SIZES:
            executor = make_executor(backend, size)
            try:
                startup = executor.start()
                for repeat in range(3):
                    outcome = executor.map(cpu_burn, ITEMS, chunksize=1)
                    measurements.append(
                        Measurement(
                            "cpu",
                            backend,
                            size,
                            repeat,
                            outcome.wall_s,
                            startup,
                            outcome.state,
                            len(ITEMS),
                        )
                    )
                    spans.append((f"cpu: {backend} × {size}, repeat {repeat + 1}", outcome.spans))
            finally:
                executor.shutdown()
            if backend == "serial":
                break
    return measurements, spans, origin


def render(outdir: str, measurements, spans, origin, dark: bool) -> None:
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.plots.cpu_view import CpuView
    from desktop_app.ui.plots.task_timeline import TaskTimeline
    from desktop_app.ui.plots.timing_plot import TimingPlot

    app = QApplication.instance() or QApplication(sys.argv)
    app.setPalette(_dark_palette(QPalette, QColor) if dark else app.style().standardPalette())
    suffix = "-dark" if dark else ""
    plot = TimingPlot()
    plot.resize(900, 520)
    plot.show()
    for m in measurements:
        plot.add_measurement(m)
    began = time.perf_counter()
    plot.refresh()
    print(f"timing plot refresh: {1e3 * (time.perf_counter() - began):.1f} ms")
    app.processEvents()
    plot.grab().save(f"{outdir}/timing_plot{suffix}.png")
    plot.set_current_view(1)
    app.processEvents()
    plot.grab().save(f"{outdir}/speedup{suffix}.png")

    timeline = TaskTimeline()
    timeline.resize(900, 320)
    timeline.show()
    timeline.reset(origin)
    for label, table in spans:
        timeline.begin_measurement(label)
        timeline.add_spans(table)
    last = spans[-1][1]
    timeline.begin_measurement("cpu: processes × 8, repeat 4 (running)")
    timeline.add_spans(_first_half(last))
    now = max(last.end[: len(last) // 2])
    running = tuple(
        (last.pid[i], last.task[i], last.start[i])
        for i in range(len(last) // 2, len(last))
        if last.start[i] <= now + 0.02
    )
    timeline.set_running(running[:8], now + 0.02)
    timeline.refresh()
    app.processEvents()
    timeline.grab().save(f"{outdir}/timeline{suffix}.png")
    timeline.show_measurement("cpu: processes × 4, repeat 3")
    timeline.refresh()
    app.processEvents()
    timeline.grab().save(f"{outdir}/timeline_done{suffix}.png")

    cpu = CpuView()
    cpu.resize(900, 280)
    cpu.show()
    for _ in range(12):
        cpu_burn(200_000)
        cpu.sample_now()
    app.processEvents()
    cpu.grab().save(f"{outdir}/cpu_view{suffix}.png")
    cpu.close()
    for widget in (plot, timeline):
        widget.close()


def _first_half(table: SpanTable) -> SpanTable:
    out = SpanTable()
    for index in range(len(table) // 2):
        out.append(table[index])
    return out


def _dark_palette(QPalette, QColor):  # Qt classes passed in to keep imports lazy
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.Text, "#e6e6e6"),
        (QPalette.ColorRole.Button, "#353535"),
        (QPalette.ColorRole.ButtonText, "#e6e6e6"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def main() -> None:
    outdir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/widgets"
    os.makedirs(outdir, exist_ok=True)
    measurements, spans, origin = measure()
    for dark in (False, True):
        render(outdir, measurements, spans, origin, dark)
    print(f"wrote PNGs to {outdir}")


if __name__ == "__main__":
    main()
