"""Render the timeline's lock lanes from real runs of producer-consumer and sharing-data.

Not a test: run ``python tests/benchmarks/render_lock_lanes.py [outdir]`` (default
/tmp/lock-lanes/) and open the PNGs, one per measurement shown, light and dark. The README's
"Running or waiting" screenshot is ``--readme``: the Semaphore(2) run, light, written to docs/.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
RUNS = (
    (
        "producer-consumer",
        {"lock": True, "n": 8, "producer_ms": 3, "consumer_ms": 5, "race_n": 300},
    ),
    (
        "producer-consumer",
        {"lock": False, "n": 8, "producer_ms": 3, "consumer_ms": 5, "race_n": 300},
    ),
    ("sharing-data", {"tool": "lock"}),
    ("sharing-data", {"tool": "rlock"}),
    ("sharing-data", {"tool": "semaphore"}),
    ("sharing-data", {"tool": "condition"}),
    ("sharing-data", {"tool": "event"}),
    ("sharing-data", {"tool": "queue"}),
)


def main() -> int:
    readme = "--readme" in sys.argv
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    outdir = Path(args[0] if args else "/tmp/lock-lanes")
    outdir.mkdir(parents=True, exist_ok=True)
    from PySide6.QtGui import QColor, QPalette
    from render_widgets import _dark_palette

    from desktop_app.engine.context import run_scenario
    from desktop_app.engine.records import measurement_label
    from desktop_app.scenarios.registry import get_scenario
    from desktop_app.ui.app import make_application
    from desktop_app.ui.plots.task_timeline import TaskTimeline

    app = make_application([])
    runs = RUNS[4:5] if readme else RUNS
    for index, (scenario_id, params) in enumerate(runs):
        scenario = get_scenario(scenario_id)
        report = run_scenario(scenario, scenario.resolve(params))
        for dark in (False,) if readme else (False, True):
            app.setPalette(
                _dark_palette(QPalette, QColor) if dark else app.style().standardPalette()
            )
            timeline = TaskTimeline()
            timeline.resize(1000, 360)
            timeline.show()
            timeline.reset(report.origin)
            for entry in report.runs:
                m = entry.measurement
                label = measurement_label(m.series, m.backend, m.pool_size, m.repeat, 1)
                timeline.begin_measurement(label)
                timeline.add_spans(entry.spans, label)
                if entry.locks:
                    timeline.add_locks(entry.locks, label)
            timeline.settle()
            for position, entry in enumerate(report.runs):
                if not entry.locks:
                    continue
                m = entry.measurement
                timeline.show_measurement(timeline.measurement_labels()[position])
                began = time.perf_counter()
                timeline.refresh()
                cost = (time.perf_counter() - began) * 1000
                app.processEvents()
                name = f"{index}-{scenario_id}-{m.series}".replace(" ", "_").replace("/", "_")
                path = outdir / f"{name}{'-dark' if dark else ''}.png"
                if readme:
                    path = (
                        ROOT
                        / "docs"
                        / f"screenshot-timeline-semaphore{'-dark' if dark else ''}.png"
                    )
                timeline.grab().save(str(path))
                print(f"{path}: {len(entry.locks.holds)} holds, refresh {cost:.1f} ms")
            timeline.close()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
