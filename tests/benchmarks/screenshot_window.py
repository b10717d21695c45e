"""Render the README's screenshots of the main window: mid-run and after the run.

Run: python tests/benchmarks/screenshot_window.py [--out docs]
Opens the window offscreen at 1280 x 800 on a throw-away settings file, runs a CPU-bound
pool-timing sweep, grabs the window while tasks run (the timeline, running bars included) to
docs/screenshot-running.png and after the run (the timing plot) to docs/screenshot.png, and
its "Why not N×" tab to docs/screenshot-why.png; then docs/examples/fetch.py on threads at 1-16
workers, its speedup tab (Amdahl and USL fitted) to docs/screenshot-scaling-fits.png.
Prints the time from start to the window shown.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    started = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs"), help="folder for the PNGs")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds for the run")
    args = parser.parse_args()
    from _window_runs import shown_window
    from PySide6.QtCore import QEventLoop, QTimer

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with shown_window() as (app, window):
        print(f"window_shown_s={time.perf_counter() - started:.3f}")
        report = _run_and_grab(app, window, out, args.timeout, QEventLoop, QTimer)
        if report is not None and report.state == "completed":
            report = _fits_shot(app, window, out, args.timeout)
    if report is None or report.state != "completed":
        print(f"the run did not complete: {getattr(report, 'state', 'timeout')}", file=sys.stderr)
        return 1
    print(f"wrote the screenshots (running, timing, scaling fits, why) to {out}")
    return 0


def _run_and_grab(app, window, out: Path, timeout: float, QEventLoop, QTimer):
    window.select_scenario("pool-timing")
    window.set_param("workload", "cpu")
    window.set_param("cpu_ms", 25)
    window.set_param("n", 48)
    window.set_pool_sizes((1, 2, 4, 8))
    window.set_repeats(3)
    loop = QEventLoop()
    finished = []
    grabbed = []

    def on_finished(report) -> None:
        finished.append(report)
        loop.quit()

    def probe() -> None:
        # mid-run: a pool of 4 under way with some of its tasks done, some still running
        timeline = window.ui.timeline
        shown = timeline.shown_measurement()
        if not grabbed and "pool × 4" in shown and timeline.span_count() >= 16:
            window.ui.tabs.setCurrentWidget(timeline)
            window.feed.tick()
            app.processEvents()
            window.grab().save(str(out / "screenshot-running.png"))
            grabbed.append(True)

    window.run_finished.connect(on_finished)
    ticker = QTimer(interval=100)
    ticker.timeout.connect(probe)
    ticker.start()
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    if not window.start_run():
        raise SystemExit(f"refused: {window.last_refusal}")
    loop.exec()
    ticker.stop()
    if not finished:
        window.cancel_run()
        return None
    window.ui.tabs.setCurrentWidget(window.ui.timing_plot)
    app.processEvents()
    window.ui.timing_plot.refresh()
    app.processEvents()
    window.grab().save(str(out / "screenshot.png"))
    window.ui.timing_plot.set_current_view(3)  # Why not N×
    app.processEvents()
    window.grab().save(str(out / "screenshot-why.png"))
    return finished[0]


def _fits_shot(app, window, out: Path, timeout: float):
    """docs/examples/fetch.py (a task that mostly waits) on threads at 1-16 workers: the speedup
    tab with Amdahl and the USL fitted, since waiting needs no core and every size's workers
    ran at once."""
    from _window_runs import open_experiment, run_to_end

    open_experiment(window, str(ROOT / "docs" / "examples" / "fetch.py"))
    window.set_param("threads", True)
    window.set_param("processes", False)
    window.set_pool_sizes((1, 2, 4, 8, 16))
    window.set_repeats(3)
    report = run_to_end(window, timeout)
    if report is None:
        return None
    window.ui.tabs.setCurrentWidget(window.ui.timing_plot)
    window.ui.timing_plot.set_current_view(1)
    app.processEvents()
    window.ui.timing_plot.refresh()
    app.processEvents()
    window.grab().save(str(out / "screenshot-scaling-fits.png"))
    return report


if __name__ == "__main__":
    sys.exit(main())
