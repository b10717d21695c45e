"""Render the History dock and the Compare window to PNG, light and dark, to look at them.

Usage: QT_QPA_PLATFORM=offscreen python tests/benchmarks/render_history.py [OUTDIR]
(default /tmp/history-views/). Saves a few real runs of ``pool-timing`` (two parameter sets,
5 repeats at pool sizes 1, 2, 4) into a temporary history, shows the window's History dock
and compares the runs, then grabs each widget in a light and a dark palette.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["CONCURRENCY_LAB_DATA_DIR"] = tempfile.mkdtemp(prefix="history-views-")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from render_widgets import _dark_palette

from desktop_app.engine.context import run_scenario
from desktop_app.engine.pools import PoolManager, stop_process_helpers
from desktop_app.history.store import Store
from desktop_app.scenarios.registry import get_scenario


def save_runs(store: Store) -> list[int]:
    scenario, pools, ids = get_scenario("pool-timing"), PoolManager(), []
    try:
        for n, workload in ((3000, "square"), (200, "cpu"), (6000, "square")):
            params = scenario.resolve({"n": n, "workload": workload, "cpu_ms": 1})
            report = run_scenario(scenario, params, pool_sizes=(1, 2, 4), repeats=5, pools=pools)
            ids.append(store.save_report(report))
    finally:
        pools.shutdown()
        stop_process_helpers()
    return ids


def wait(until, timeout_ms: int = 30_000) -> None:
    loop, timer = QEventLoop(), QTimer(interval=20)
    timer.timeout.connect(lambda: loop.quit() if until() else None)
    QTimer.singleShot(timeout_ms, loop.quit)
    timer.start()
    loop.exec()


def main() -> int:
    outdir = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/history-views")
    outdir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    ids = save_runs(Store())
    Store().set_label(ids[1], "cpu work")
    from desktop_app.ui.main_window import MainWindow

    settings = QSettings(str(outdir / "settings.ini"), QSettings.Format.IniFormat)
    for dark in (False, True):
        app.setPalette(_dark_palette(QPalette, QColor) if dark else app.style().standardPalette())
        window = MainWindow(settings=settings)
        window.resize(1280, 900)
        window.show()
        history = window.history_ui
        history.show()
        wait(lambda h=history: len(h.panel.model.runs()) == len(ids))
        history.select([ids[0], ids[2]])
        suffix = "-dark" if dark else ""
        window.grab().save(str(outdir / f"window-history{suffix}.png"))
        history.panel.grab().save(str(outdir / f"history{suffix}.png"))
        compare = history.compare([ids[0], ids[2]])
        wait(lambda c=compare: c.comparison is not None)
        app.processEvents()
        compare.grab().save(str(outdir / f"compare{suffix}.png"))
        compare.close()
        window.close()
    print(f"wrote {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
