"""Render the README's screenshot of pool-timing on the lab's own Dask cluster.

Run: python tests/benchmarks/screenshot_dask.py [--out docs]
Opens the window offscreen at 1280 x 800 on a throw-away settings file, runs pool-timing with
executor=dask (a CPU-bound sweep over 1, 2 and 4 workers of the LocalCluster the lab starts)
and grabs the task timeline of the 4-worker map to docs/screenshot-dask.png: one row per Dask
worker, named by pid and address. Prints the rows it saw.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs"), help="folder for the PNG")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds for the run")
    args = parser.parse_args()
    from _window_runs import shown_window

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with shown_window() as (app, window):
        report = _run(app, window, args.timeout)
        if report is not None:
            timeline = window.ui.timeline
            window.ui.tabs.setCurrentWidget(timeline)
            window.feed.tick()
            app.processEvents()
            print("measurement:", timeline.shown_measurement())
            print("rows:", timeline.worker_labels())
            window.grab().save(str(out / "screenshot-dask.png"))
    if report is None or report.state != "completed":
        print(f"the run did not complete: {getattr(report, 'state', 'timeout')}", file=sys.stderr)
        return 1
    print(f"wrote {out / 'screenshot-dask.png'}")
    return 0


def _run(app, window, timeout: float):
    from _window_runs import run_to_end

    window.select_scenario("pool-timing")
    window.set_param("executor", "dask")
    window.set_param("workload", "cpu")
    window.set_param("cpu_ms", 25)
    window.set_param("n", 32)
    window.set_pool_sizes((1, 2, 4))
    window.set_repeats(1)
    return run_to_end(window, timeout)


if __name__ == "__main__":
    sys.exit(main())
