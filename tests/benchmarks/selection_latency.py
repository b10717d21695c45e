"""Event-loop gaps while a user chooses lessons, switches tabs and resizes the window.

Usage: python tests/benchmarks/selection_latency.py [--rounds 5] [--src DIR] [--xvfb]

Opens the real MainWindow (offscreen, or a real X11 window under ``--xvfb``), waits until its
plot views are built, then per round: chooses every lesson in turn (one every 150 ms, as a
click would), shows every tab, and resizes the window between 1280×720, 1000×650 and
1920×1080. A 5 ms precise QTimer on the GUI thread records the gaps between its firings; each
gap is charged to the action that came last before it. The figure per action kind is the
longest gap of the round; the summary is the median and the worst over the rounds.
Each gap is also measured in the GUI thread's CPU time (``time.thread_time``): on a shared
machine with a load of 10+ the wall-clock gaps are mostly waiting for a core, while the CPU
time is the work the window itself did, comparable between A and B.

``--src DIR`` imports ``desktop_app`` from another checkout (A/B against the old code).
Target: every action's longest gap under 50 ms (issue 13), aiming at one frame (16 ms).
Results: results/selection_latency_<label>.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STEP_MS = 150
SIZES = ((1280, 720), (1000, 650), (1920, 1080))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--src", default="", help="checkout to import desktop_app from")
    parser.add_argument("--xvfb", action="store_true", help="a real X11 window (xvfb-run)")
    parser.add_argument("--label", default="", help="name of this variant in the results")
    return parser.parse_args(argv)


def _scenario_ids() -> list[str]:
    from desktop_app.scenarios.registry import all_scenarios

    return [s.id for s in all_scenarios()]


def _actions(window) -> list[tuple[str, object]]:
    """(kind, callable) in the order a user would go through them."""
    from desktop_app.scenarios.registry import all_scenarios

    actions: list[tuple[str, object]] = []
    for scenario in all_scenarios():
        actions.append(("select", lambda sid=scenario.id: window.select_scenario(sid)))
    tabs = window.ui.tabs
    for index in list(range(tabs.count())) + [0]:
        actions.append(("tab", lambda i=index: tabs.setCurrentIndex(i)))
    for width, height in SIZES:
        actions.append(("resize", lambda w=width, h=height: window.resize(w, h)))
    return actions


def measure(options: argparse.Namespace) -> list[dict[str, float]]:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])  # noqa: F841 (kept alive)
    folder = tempfile.mkdtemp(prefix="selection-latency-")
    settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, defer_views=True)
    window.resize(*SIZES[0])
    window.show()
    loop = QEventLoop()
    window.views_ready.connect(loop.quit)
    QTimer.singleShot(30_000, loop.quit)
    loop.exec()
    clock = QElapsedTimer()
    clock.start()
    stamps: list[float] = []
    cpu: list[float] = []
    marks: list[tuple[float, str]] = []
    probe = QTimer(interval=5)
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.timeout.connect(
        lambda: (stamps.append(clock.nsecsElapsed() / 1e6), cpu.append(time.thread_time() * 1e3))
    )
    rounds = []
    for _ in range(options.rounds):
        stamps.clear()
        cpu.clear()
        marks.clear()
        probe.start()
        actions = _actions(window)
        done = QEventLoop()

        def step(index: int = 0, actions=actions, done=done) -> None:
            if index == len(actions):
                QTimer.singleShot(300, done.quit)
                return
            kind, action = actions[index]
            marks.append((clock.nsecsElapsed() / 1e6, kind))
            action()
            QTimer.singleShot(STEP_MS, lambda: step(index + 1, actions, done))

        QTimer.singleShot(100, step)
        done.exec()
        probe.stop()
        per_action: dict[int, float] = {}
        worst: dict[str, float] = {"select": 0.0, "tab": 0.0, "resize": 0.0, "idle": 0.0}
        worst |= {f"{kind} cpu": 0.0 for kind in ("select", "tab", "resize", "idle")}
        for index, (before, after) in enumerate(zip(stamps, stamps[1:], strict=False)):
            kinds = [kind for at, kind in marks if at <= after]
            kind = kinds[-1] if kinds else "idle"
            worst[kind] = max(worst[kind], after - before)
            spent = cpu[index + 1] - cpu[index]
            if kinds:
                per_action[len(kinds) - 1] = max(per_action.get(len(kinds) - 1, 0.0), spent)
            worst[f"{kind} cpu"] = max(worst[f"{kind} cpu"], spent)
        worst["cpu per action"] = [round(per_action.get(i, 0.0), 1) for i in range(len(marks))]
        rounds.append(worst)
        print("round: " + ", ".join(f"{k} {v} ms" for k, v in worst.items()), flush=True)
    window.shutdown()
    window.close()
    shutil.rmtree(folder, ignore_errors=True)
    return rounds


def main(argv: list[str] | None = None) -> int:
    options = parse_args(sys.argv[1:] if argv is None else argv)
    if options.xvfb and not os.environ.get("SELECTION_LATENCY_UNDER_XVFB"):
        env = dict(os.environ, SELECTION_LATENCY_UNDER_XVFB="1", QT_QPA_PLATFORM="xcb")
        args = [a for a in sys.argv[1:]]
        command = ["xvfb-run", "-a", "-s", "-screen 0 1920x1200x24", sys.executable, __file__]
        return subprocess.call(command + args, env=env)
    if options.src:
        sys.path.insert(0, str(Path(options.src).resolve()))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.time()
    rounds = measure(options)
    kinds = [kind for kind in rounds[0] if kind != "cpu per action"]
    summary = {
        kind: {
            "median_ms": round(sorted(r[kind] for r in rounds)[len(rounds) // 2], 1),
            "worst_ms": round(max(r[kind] for r in rounds), 1),
        }
        for kind in kinds
    }
    # Per choice of a lesson (not only each round's worst): the GUI thread's CPU time.
    selects = len(_scenario_ids())
    per_select = sorted(v for r in rounds for v in r["cpu per action"][:selects])
    summary["select cpu per action"] = {
        "median_ms": per_select[len(per_select) // 2],
        "worst_ms": per_select[-1],
    }
    print(
        "summary (longest gap per round): "
        + "; ".join(
            f"{k} median {v['median_ms']} ms, worst {v['worst_ms']} ms" for k, v in summary.items()
        )
    )
    sys.path.insert(0, str(HERE))
    from _bench_util import write_results

    write_results(
        "selection_latency_" + (options.label or "run"),
        {
            "variant": options.label or (options.src or "this checkout"),
            "platform": os.environ.get("QT_QPA_PLATFORM"),
            "rounds": rounds,
            "summary": summary,
            "seconds": round(time.time() - started, 1),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
