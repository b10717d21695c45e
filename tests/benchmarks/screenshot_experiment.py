"""Render the README's screenshot of a user's experiment: docs/examples/squares.py run in the
window on serial, threads and processes at pool sizes 1 and 2.

Run: python tests/benchmarks/screenshot_experiment.py [--out docs]
Opens the window offscreen at 1280 x 800 on a throw-away settings file, opens the example as
File ▸ Open experiment… does, runs it, and grabs the window (the timing plot) to
docs/screenshot-experiment.png.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "squares.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs"), help="folder for the PNG")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds for the run")
    args = parser.parse_args()
    from _window_runs import open_experiment, run_to_end, shown_window

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)  # QPixmap.save writes nothing into a missing folder
    done: list = []
    with shown_window() as (app, window):
        open_experiment(window, str(EXAMPLE))
        window.set_param("threads", True)
        window.set_param("processes", True)
        window.set_pool_sizes((1, 2))
        window.set_repeats(3)
        done.append(run_to_end(window, args.timeout))
        window.ui.tabs.setCurrentWidget(window.ui.timing_plot)
        app.processEvents()
        window.ui.timing_plot.refresh()
        app.processEvents()
        window.grab().save(str(out / "screenshot-experiment.png"))
    if not done or done[0] is None or done[0].state != "completed":
        print("the run did not complete", file=sys.stderr)
        return 1
    print(f"wrote {out / 'screenshot-experiment.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
