"""Warm-pool reuse: time to the first result of a second run against the first (issue 6, item 5).

Usage: python tests/benchmarks/warm_pool.py [--trials 7] [--quick] [--no-window]
                                            [--scenario process-pool] [--set n=20] [--size 4]

Every trial is a fresh interpreter, so its first run is really cold (no forkserver yet, no
pool); it runs the same scenario twice on one pool manager, as a user pressing Run twice does.
For each run it reports:

- ``first_result_s``: from the run's start to the end of its first task, read from the task's
  own span (``time.perf_counter`` is one system-wide clock, so a worker's span lines up);
- ``first_delivered_s``: to the first batch of finished tasks reaching the consumer (the engine
  batches events every 50 ms, so this is what a window can show at the earliest);
- ``startup_s``: the pool start-up the engine measured (0 when the pool was warm);
- ``run_s``: the whole run.

Two paths, alternating in each trial: ``engine`` calls ``run_scenario`` directly (the CLI's
path); ``window`` presses Run on a real MainWindow (offscreen) and times the first batch of
spans applied on the GUI thread. The load average is recorded per trial. Results:
tests/benchmarks/results/warm_pool.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_util import write_results

ROOT = Path(__file__).resolve().parents[2]
RUNS_PER_TRIAL = 2  # cold, then warm
CHILD_TIMEOUT_S = 300.0


def _first_span_end(report: Any) -> float | None:
    ends = [min(entry.spans.end) for entry in report.runs if len(entry.spans)]
    return min(ends) if ends else None


def _figures(report: Any, began: float, delivered: float | None, ended: float) -> dict:
    first_end = _first_span_end(report)
    return {
        "state": report.state,
        "first_result_s": None if first_end is None else first_end - began,
        "first_delivered_s": None if delivered is None else delivered - began,
        "startup_s": sum(entry.measurement.startup_s for entry in report.runs),
        "run_s": ended - began,
    }


def child_engine(scenario_id: str, settings: list[str], size: int) -> list[dict]:
    """Two runs through the engine alone, on one PoolManager."""
    from desktop_app.engine.context import run_scenario
    from desktop_app.engine.events import TasksFinished
    from desktop_app.engine.pools import PoolManager, stop_process_helpers
    from desktop_app.scenarios.registry import get_scenario

    scenario = get_scenario(scenario_id)
    params = scenario.resolve(scenario.parse_settings(settings))
    pools = PoolManager()
    out = []
    try:
        for _ in range(RUNS_PER_TRIAL):
            delivered: list[float] = []

            def consumer(batch: list, delivered: list[float] = delivered) -> None:
                if not delivered and any(isinstance(e, TasksFinished) for e in batch):
                    delivered.append(time.perf_counter())

            began = time.perf_counter()
            report = run_scenario(
                scenario, params, pool_sizes=(size,), repeats=1, pools=pools, consumer=consumer
            )
            out.append(
                _figures(report, began, delivered[0] if delivered else None, time.perf_counter())
            )
    finally:
        pools.shutdown()
        stop_process_helpers()
    return out


def child_window(scenario_id: str, settings: list[str], size: int) -> list[dict]:
    """Two runs through a real MainWindow: Run pressed to the first spans on the GUI thread."""
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QSettings, QTimer

    from desktop_app.engine.events import TasksFinished
    from desktop_app.engine.pools import stop_process_helpers
    from desktop_app.scenarios.registry import get_scenario
    from desktop_app.ui.app import make_application
    from desktop_app.ui.main_window import MainWindow

    app = make_application([])
    folder = tempfile.mkdtemp(prefix="warm-pool-")
    window = MainWindow(settings=QSettings(f"{folder}/s.ini", QSettings.Format.IniFormat))
    window.show()
    app.processEvents()
    params = get_scenario(scenario_id).parse_settings(settings)
    out = []
    try:
        window.select_scenario(scenario_id)
        for name, value in params.items():
            window.set_param(name, value)
        window.set_pool_size(size)
        window.set_pool_sizes((size,))
        window.set_repeats(1)
        for _ in range(RUNS_PER_TRIAL):
            delivered: list[float] = []
            apply = window.feed.apply

            def recording_apply(batch: list, apply=apply, delivered=delivered) -> None:
                if not delivered and any(isinstance(e, TasksFinished) for e in batch):
                    delivered.append(time.perf_counter())
                apply(batch)

            window.feed.apply = recording_apply  # start_run connects window.feed.apply
            finished: list[Any] = []
            loop = QEventLoop()
            window.run_finished.connect(
                lambda report, f=finished, lp=loop: (f.append(report), lp.quit())
            )
            QTimer.singleShot(int(CHILD_TIMEOUT_S * 1000), loop.quit)
            began = time.perf_counter()
            if not window.start_run():
                raise SystemExit(f"the window refused the run: {window.last_refusal}")
            loop.exec()
            ended = time.perf_counter()
            window.run_finished.disconnect()
            window.feed.apply = apply
            if not finished:
                raise SystemExit("the run did not finish in time")
            out.append(_figures(finished[0], began, delivered[0] if delivered else None, ended))
    finally:
        window.close()
        stop_process_helpers()
    return out


def run_child(mode: str, options: argparse.Namespace) -> list[dict]:
    command = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--scenario",
        options.scenario,
        "--size",
        str(options.size),
    ]
    for setting in options.settings:
        command += ["--set", setting]
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{mode} trial failed ({done.returncode}): {done.stderr[-800:]}")
    return json.loads(lines[-1])


def summarize(trials: list[list[dict]]) -> dict[str, Any]:
    """Median of each figure for the cold (first) and warm (second) run, and warm / cold."""
    out: dict[str, Any] = {}
    for key in ("first_result_s", "first_delivered_s", "startup_s", "run_s"):
        cold = [t[0][key] for t in trials if t[0][key] is not None]
        warm = [t[1][key] for t in trials if t[1][key] is not None]
        if not cold or not warm:
            continue
        c, w = statistics.median(cold), statistics.median(warm)
        out[key] = {
            "cold_median_s": round(c, 4),
            "warm_median_s": round(w, 4),
            "warm_over_cold": round(w / c, 3) if c > 0 else None,
            "cold_range_s": [round(min(cold), 4), round(max(cold), 4)],
            "warm_range_s": [round(min(warm), 4), round(max(warm), 4)],
        }
    return out


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=7, help="fresh interpreters per path")
    parser.add_argument("--quick", action="store_true", help="3 trials per path")
    parser.add_argument(
        "--no-window", dest="window", action="store_false", help="the engine path only"
    )
    parser.add_argument("--scenario", default="process-pool")
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=None,
        metavar="NAME=VALUE",
        help="a scenario parameter (default: n=20)",
    )
    parser.add_argument("--size", type=int, default=4, help="pool size (default 4)")
    parser.add_argument("--child", choices=("engine", "window"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.settings is None:
        options.settings = ["n=20"] if options.scenario == "process-pool" else []
    if options.quick and "--trials" not in argv:
        options.trials = 3
    return options


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    options = parse(argv)
    if options.child:
        child = child_engine if options.child == "engine" else child_window
        print(json.dumps(child(options.scenario, options.settings, options.size)))
        return 0
    modes = ["engine", "window"] if options.window else ["engine"]
    trials: dict[str, list[list[dict]]] = {mode: [] for mode in modes}
    loads: list[float] = []
    began = time.perf_counter()
    for index in range(options.trials):
        for mode in modes:  # alternating: load drift hits both paths alike
            trials[mode].append(run_child(mode, options))
            loads.append(round(os.getloadavg()[0], 2))
        print(f"trial {index + 1}/{options.trials} done, load {loads[-1]}", file=sys.stderr)
    results = {mode: summarize(runs) for mode, runs in trials.items()}
    print("| path | figure | cold (1st run) median | warm (2nd run) median | warm / cold |")
    print("|---|---|---|---|---|")
    for mode, figures in results.items():
        for key, value in figures.items():
            print(
                f"| {mode} | {key} | {1e3 * value['cold_median_s']:.1f} ms | "
                f"{1e3 * value['warm_median_s']:.1f} ms | {value['warm_over_cold']} |"
            )
    print(f"load average (1 min): {min(loads):.2f}..{max(loads):.2f}")
    write_results(
        "warm_pool",
        {
            "scenario": options.scenario,
            "settings": options.settings,
            "pool_size": options.size,
            "trials": options.trials,
            "results": results,
            "per_trial": trials,
            "load_avg_1m": loads,
            "wall_s": round(time.perf_counter() - began, 1),
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
