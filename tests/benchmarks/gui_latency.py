"""GUI responsiveness: the event loop's gaps while the real main window runs heavy scenarios.

Usage: python tests/benchmarks/gui_latency.py [--runs 5] [--quick] [--xvfb] [--profile]
                                               [--interact] [--cases cpu-sweep,tiny-100k,...]

Opens the real MainWindow (offscreen by default; ``--xvfb`` re-runs itself under ``xvfb-run`` on
Qt's xcb platform, a real X11 window), puts a timer probe on the GUI thread (``--interval-ms``,
5 ms by default, a precise QTimer) and records the time between its firings while a run goes,
from Run pressed until 300 ms after the run finished (the final frame and the results table are
drawn in that tail). The window shows the tab it picks for the run (the timing plot for a
sweep, the timeline otherwise) unless a case pins one (clicked 100 ms after Run, an event of
its own as a user's click would be). ``--interact`` also switches tabs every
400 ms like a restless user, so a freshly shown view's first paint lands in the figures too.

Cases (issue 3, "Done means", and issue 6 item 4):

- ``cpu-sweep``: pool-timing, workload=cpu, pool sizes 2, 4, 8: every core busy.
- ``tiny-100k``: pool-timing, workload=square, n=100,000, pool sizes 2, 4, 8: 100,000 tiny tasks
  per measurement (400,000 spans in all, serial baseline included), watching the timing plot.
- ``tiny-100k-timeline``: the same, watching the task timeline fill instead.
- ``tiny-100k-table``: process-pool, n=100,000, chunksize 100: 100,000 tasks on the timeline
  and a 100,000-row results table.

``--engine-floor`` runs the same cases with no window at all: the window's run host driven from
a thread of this process (as the window's QRunnable does) with a consumer that drops every
event, and the same probe on an otherwise idle event loop. What it measures is the stall that
receiving the host's batches causes in a GUI process, a floor no change to the window can go
below. (Before the run host, the engine ran on threads of the GUI's process and this floor was
their GIL holding.) Results: results/gui_latency_floor.json.

Targets: p99 gap < 20 ms, longest gap < 50 ms. Each case runs ``--runs`` times; the figures are
per run, and the summary takes the median and the worst over the runs. The slot handlers the
window runs on the GUI thread are timed (count, total, longest) so a missed target names its
cause; ``--profile`` adds a cProfile of the GUI thread (top functions by cumulative time).
The load average is recorded with every run: the machine may be shared.
Results go to tests/benchmarks/results/gui_latency.json.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_util import median, write_results

TARGET_P99_MS = 20.0
TARGET_MAX_MS = 50.0
TAIL_S = 0.3  # keep probing after run_finished: the last frame and the table land here
TAB_SWITCH_MS = 400
# A case that watches a tab other than the one the window picks clicks it this long after Run.
# Pinned in the same turn of the event loop as Run, the two made one gap (up to 26 ms) that no
# user can make: two clicks are two input events.
PIN_TAB_MS = 100
RUN_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Case:
    scenario: str
    params: dict[str, Any]
    pool_sizes: tuple[int, ...]
    repeats: int
    tab: int | None = None  # a tab to watch during the run (None: the one the window picks)


TAB_TIMELINE = 1  # desktop_app/ui/window_layout.py: TAB_TIMING, TAB_TIMELINE, …
CPU = {"workload": "cpu", "n": 40, "cpu_ms": 20}
TINY = {"workload": "square", "n": 100_000}
CASES = {
    "cpu-sweep": Case("pool-timing", CPU, (2, 4, 8), 2),
    "tiny-100k": Case("pool-timing", TINY, (2, 4, 8), 1),
    "tiny-100k-timeline": Case("pool-timing", TINY, (2, 4, 8), 1, TAB_TIMELINE),
    "tiny-100k-table": Case("process-pool", {"n": 100_000, "chunksize": 100}, (4,), 1),
}
QUICK = {  # --quick: fewer sizes and repeats, the same task counts
    "cpu-sweep": Case("pool-timing", dict(CPU, n=16), (2, 4), 1),
    "tiny-100k": Case("pool-timing", TINY, (2,), 1),
    "tiny-100k-timeline": Case("pool-timing", TINY, (2,), 1, TAB_TIMELINE),
    "tiny-100k-table": Case("process-pool", {"n": 100_000, "chunksize": 100}, (2,), 1),
}
# The window's own slots on the GUI thread, timed per call: (path from the window, attribute)
HANDLERS = (
    ("feed", "apply"),
    ("feed", "tick"),
    ("ui.timing_plot", "refresh"),
    ("ui.timeline", "refresh"),
    ("ui.cpu_view", "sample"),
    ("ui.output", "append_lines"),
    ("ui.results", "show_report"),
    ("ui.errors", "add_records"),
    ("", "_on_worker_run_finished"),
)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported p99 is a gap that happened)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


class HandlerTimer:
    """Wraps instance methods so each call's duration is recorded (count, total, longest).

    Wall time includes waiting for the GIL and for a CPU; the GUI thread's own CPU time
    (``thread_time``) does not, so the two together tell cost from contention.
    """

    def __init__(self) -> None:
        self.stats: dict[str, list[tuple[float, float]]] = {}
        self.outer: list[tuple[float, float, str, float]] = []  # (start, end, name, cpu)
        self._depth = 0

    def wrap(self, owner: Any, attribute: str, name: str) -> None:
        original = getattr(owner, attribute)
        calls = self.stats.setdefault(name, [])

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            began, cpu = time.perf_counter(), time.thread_time()
            self._depth += 1
            try:
                return original(*args, **kwargs)
            finally:
                self._depth -= 1
                end, cpu = time.perf_counter(), time.thread_time() - cpu
                calls.append((end - began, cpu))
                if self._depth == 0:
                    self.outer.append((began, end, name, cpu))

        setattr(owner, attribute, timed)

    def reset(self) -> None:
        for calls in self.stats.values():
            calls.clear()
        self.outer.clear()

    def attribute(self, stamps: list[float], top: int = 5) -> list[dict[str, Any]]:
        """The ``top`` largest probe gaps and the time our slots and paints took inside each;
        the rest of a gap is the event loop waiting (for the GIL, mostly) or Qt's own work."""
        gaps = sorted(zip(stamps, stamps[1:], strict=False), key=lambda g: g[0] - g[1])[:top]
        out = []
        for a, b in gaps:
            inside: dict[str, float] = {}
            cpu_inside: dict[str, float] = {}
            for start, end, name, cpu in self.outer:
                overlap = min(b, end) - max(a, start)
                if overlap > 0:
                    inside[name] = inside.get(name, 0.0) + overlap
                    share = overlap / (end - start) if end > start else 1.0
                    cpu_inside[name] = cpu_inside.get(name, 0.0) + cpu * share
            out.append(
                {
                    "gap_ms": round(1e3 * (b - a), 1),
                    "in_slots_ms": {k: round(1e3 * v, 1) for k, v in inside.items()},
                    # the GUI thread's own CPU in them: the rest is waiting for a CPU or the GIL
                    "in_slots_cpu_ms": {k: round(1e3 * v, 1) for k, v in cpu_inside.items()},
                    "unattributed_ms": round(1e3 * (b - a - sum(inside.values())), 1),
                }
            )
        return out

    def summary(self) -> dict[str, dict[str, float]]:
        return {
            name: {
                "calls": len(calls),
                "total_ms": round(1e3 * sum(wall for wall, _ in calls), 2),
                "max_ms": round(1e3 * max(wall for wall, _ in calls), 2),
                "cpu_total_ms": round(1e3 * sum(cpu for _, cpu in calls), 2),
                "cpu_max_ms": round(1e3 * max(cpu for _, cpu in calls), 2),
            }
            for name, calls in self.stats.items()
            if calls
        }


def _resolve(window: Any, path: str) -> Any:
    owner = window
    for part in filter(None, path.split(".")):
        owner = getattr(owner, part)
    return owner


def install_handler_timers(window: Any) -> HandlerTimer:
    """Time the window's slots. Timer-driven slots are reconnected so the wrapper is what runs."""
    timer = HandlerTimer()
    for path, attribute in HANDLERS:
        owner = _resolve(window, path)
        timer.wrap(owner, attribute, f"{path or 'window'}.{attribute}")
    # Paints of the plot views (pyqtgraph's GraphicsView.paintEvent is Python: wrappable).
    views = {
        "paint.timing_wall": window.ui.timing_plot._wall_view,
        "paint.timing_speed": window.ui.timing_plot._speed_view,
        "paint.timeline": window.ui.timeline._view,
        "paint.cpu": window.ui.cpu_view._view,
    }
    for name, view in views.items():
        timer.wrap(view, "paintEvent", name)
    for owner, attribute in (
        (window.ui.timing_plot, "refresh_shown"),
        (window.ui.timeline, "refresh_paced"),
    ):
        if hasattr(owner, attribute):  # newer windows only
            timer.wrap(owner, attribute, f"{type(owner).__name__}.{attribute}")
    # These two were connected to their timers at construction: connect the wrappers instead.
    frame, cpu = window._frame_timer, window.ui.cpu_view._timer
    frame.timeout.disconnect()
    frame.timeout.connect(window.feed.tick)
    cpu.timeout.disconnect()
    cpu.timeout.connect(window.ui.cpu_view.sample)
    return timer


class Probe:
    """A precise timer on the GUI thread; the gaps between its firings are the loop's stalls."""

    def __init__(self, interval_ms: int) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.interval_ms = interval_ms
        self.stamps: list[float] = []
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._fire)

    def _fire(self) -> None:
        self.stamps.append(time.perf_counter())

    def start(self) -> None:
        self.stamps = [time.perf_counter()]
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def gaps_ms(self) -> list[float]:
        return [1e3 * (b - a) for a, b in zip(self.stamps, self.stamps[1:], strict=False)]


def gap_figures(gaps: list[float], interval_ms: int) -> dict[str, float]:
    return {
        "ticks": len(gaps),
        "p50_ms": round(percentile(gaps, 50), 2),
        "p99_ms": round(percentile(gaps, 99), 2),
        "max_ms": round(max(gaps, default=0.0), 2),
        "over_20ms": sum(1 for g in gaps if g > 20),
        "over_50ms": sum(1 for g in gaps if g > 50),
        "interval_ms": interval_ms,
    }


def wait_until(app: Any, done: Callable[[], bool], timeout: float) -> bool:
    """Run the event loop until ``done()`` or ``timeout`` seconds; never spins (a
    ``processEvents`` loop would keep the GUI thread busy and fight the engine for the GIL)."""
    from PySide6.QtCore import QEventLoop, QTimer

    if done():
        return True
    loop = QEventLoop()
    check = QTimer(interval=10)
    check.timeout.connect(lambda: loop.quit() if done() else None)
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    check.start()
    loop.exec()
    check.stop()
    return done()


def run_case(app: Any, window: Any, case: Case, options: argparse.Namespace) -> dict[str, Any]:
    """One measured run of ``case``; returns its gap figures, handler times and load."""
    from PySide6.QtCore import QTimer

    window.select_scenario(case.scenario)
    for name, value in case.params.items():
        window.set_param(name, value)
    if window.current_scenario().sweeps:
        window.set_pool_sizes(case.pool_sizes)
    else:
        window.set_pool_size(case.pool_sizes[0])
    window.set_repeats(case.repeats)
    wait_until(app, lambda: False, 0.3)  # settle: the selection's own repaint is not measured
    finished: list[Any] = []
    window.run_finished.connect(finished.append)
    tabs = window.ui.tabs
    switcher = QTimer(interval=TAB_SWITCH_MS)
    switcher.timeout.connect(lambda: tabs.setCurrentIndex((tabs.currentIndex() + 1) % 5))
    profile = cProfile.Profile() if options.profile else None
    probe = Probe(options.interval_ms)
    options.handlers.reset()
    load_before = os.getloadavg()
    probe.start()
    if profile:
        profile.enable()
    began, gui_cpu, process_cpu = time.perf_counter(), time.thread_time(), time.process_time()
    if not window.start_run():
        raise SystemExit(f"the window refused to run {case.scenario}: {window.last_refusal}")
    if case.tab is not None:  # the user's click on the tab: an input event of its own, later
        QTimer.singleShot(PIN_TAB_MS, lambda: tabs.setCurrentIndex(case.tab))
    if options.interact:
        switcher.start()
    try:
        if not wait_until(app, lambda: bool(finished), RUN_TIMEOUT_S):
            window.cancel_run()
            raise SystemExit(f"{case.scenario} did not finish within {RUN_TIMEOUT_S:.0f} s")
        run_s = time.perf_counter() - began
        switcher.stop()
        wait_until(app, lambda: False, TAIL_S)
        gui_cpu = time.thread_time() - gui_cpu
        process_cpu = time.process_time() - process_cpu
    finally:
        probe.stop()
        switcher.stop()
        if profile:
            profile.disable()
        window.run_finished.disconnect(finished.append)
    report = finished[0]
    result = {
        **gap_figures(probe.gaps_ms(), options.interval_ms),
        "run_s": round(run_s, 3),
        "gui_thread_cpu_s": round(gui_cpu, 3),  # run and tail, probe and event loop included
        "process_cpu_s": round(process_cpu, 3),  # every thread of the window's process
        "state": report.state,
        "tasks": sum(len(entry.spans) for entry in report.runs),
        "load_avg_1m": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "handlers": options.handlers.summary(),
        "largest_gaps": options.handlers.attribute(probe.stamps),
    }
    if profile:
        result["profile_top"] = _profile_top(profile)
    return result


def _profile_top(profile: cProfile.Profile, lines: int = 30) -> str:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


def run_floor_case(app: Any, case: Case, host: Any, interval_ms: int) -> dict[str, Any]:
    """``case`` through the run host alone (no window), driven from a thread of this process as
    the window's bridge does; the probe's gaps."""
    import threading

    from desktop_app.engine.cancel import CancelToken
    from desktop_app.scenarios.registry import get_scenario

    scenario = get_scenario(case.scenario)
    params = scenario.resolve(case.params)
    sizes = case.pool_sizes if scenario.sweeps else case.pool_sizes[:1]
    reports: list[Any] = []

    def run() -> None:
        reports.append(
            host.run(
                scenario,
                params,
                pool_sizes=sizes,
                repeats=case.repeats,
                consumer=lambda batch: None,
                cancel=CancelToken(),
            )
        )

    probe = Probe(interval_ms)
    load_before = os.getloadavg()
    probe.start()
    began, gui_cpu, process_cpu = time.perf_counter(), time.thread_time(), time.process_time()
    thread = threading.Thread(target=run, name="floor-run")
    thread.start()
    wait_until(app, lambda: not thread.is_alive(), RUN_TIMEOUT_S)
    run_s = time.perf_counter() - began
    wait_until(app, lambda: False, TAIL_S)
    probe.stop()
    gui_cpu, process_cpu = time.thread_time() - gui_cpu, time.process_time() - process_cpu
    thread.join()
    return {
        **gap_figures(probe.gaps_ms(), interval_ms),
        "run_s": round(run_s, 3),
        "state": reports[0].state if reports else "no report",
        "tasks": sum(len(entry.spans) for entry in reports[0].runs) if reports else 0,
        "load_avg_1m": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "handlers": {},
        "gui_thread_cpu_s": round(gui_cpu, 3),
        "process_cpu_s": round(process_cpu, 3),
    }


def measure_floor(options: argparse.Namespace) -> dict[str, Any]:
    """Every case with no window: the run host's own stall of a GUI process's event loop."""
    from desktop_app.engine.pools import stop_process_helpers
    from desktop_app.ui.app import make_application
    from desktop_app.ui.main_window import window_host

    app = make_application([])
    if options.switch_interval:
        sys.setswitchinterval(options.switch_interval)
    host = window_host()  # as the window's
    results: dict[str, Any] = {"idle": {}, "cases": {}}
    try:
        for name in options.cases:
            case = _case(name, options.quick)
            runs = []
            for index in range(options.runs):
                run = run_floor_case(app, case, host, options.interval_ms)
                print_run(f"{name} (engine floor)", index, run)
                runs.append(run)
            results["cases"][name] = {
                **asdict(case),
                "summary": summarize_case(runs),
                "per_run": runs,
            }
    finally:
        host.shutdown()
        stop_process_helpers()
    return results


def summarize_case(runs: list[dict[str, Any]]) -> dict[str, Any]:
    p99 = [r["p99_ms"] for r in runs]
    longest = [r["max_ms"] for r in runs]
    return {
        "runs": len(runs),
        "p99_ms_median": round(median(p99), 2),
        "p99_ms_worst": max(p99),
        "max_ms_median": round(median(longest), 2),
        "max_ms_worst": max(longest),
        "p99_target_met": max(p99) < TARGET_P99_MS,
        "max_target_met": max(longest) < TARGET_MAX_MS,
    }


def print_run(name: str, index: int, run: dict[str, Any]) -> None:
    worst = sorted(run["handlers"].items(), key=lambda kv: -kv[1]["max_ms"])[:3] or []
    slow = ", ".join(f"{k} {v['max_ms']:.1f} (cpu {v['cpu_max_ms']:.1f})" for k, v in worst)
    print(
        f"{name} #{index + 1}: p99 {run['p99_ms']:.1f} ms, longest {run['max_ms']:.1f} ms, "
        f"p50 {run['p50_ms']:.1f} ms, {run['ticks']} ticks, run {run['run_s']:.1f} s "
        f"({run['state']}, {run['tasks']:,} tasks), load {run['load_avg_1m']}, CPU s GUI thread "
        f"{run['gui_thread_cpu_s']:.2f} / process {run['process_cpu_s']:.2f}; "
        f"slowest slots (ms): {slow}",
        flush=True,
    )
    if "profile_top" in run:
        print(run["profile_top"])


def measure(options: argparse.Namespace) -> dict[str, Any]:
    """Open the window once, run every case ``options.runs`` times, return the figures."""
    from PySide6.QtCore import QSettings

    from desktop_app.engine.pools import stop_process_helpers
    from desktop_app.ui import app as app_module
    from desktop_app.ui.main_window import MainWindow

    app = app_module.make_application([])
    if options.switch_interval:  # an A/B knob: the app sets its own in make_application
        sys.setswitchinterval(options.switch_interval)
    folder = tempfile.mkdtemp(prefix="gui-latency-")
    settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
    from desktop_app.ui.main_window import WORKER_NICE, window_host

    if options.nice is None:  # the window's own run host, niced as in the app
        options.nice = WORKER_NICE
        host = window_host()
    else:  # an A/B knob: how nice the run host and its workers are
        from desktop_app.engine.host.client import RunHost

        host = RunHost(nice=options.nice)
    window = MainWindow(host=host, settings=settings)
    window.resize(1280, 800)
    window.show()
    wait_until(app, window.isVisible, 10)
    ensure = getattr(window, "ensure_views", None)
    if callable(ensure):  # a window that builds its plots after the first paint: build now
        ensure()
    freeze = getattr(app_module, "freeze_startup_objects", None)
    if callable(freeze):  # what the app does once its views are built
        freeze()
    options.handlers = install_handler_timers(window)
    wait_until(app, lambda: False, 1.0)  # first paints of every view happen here, unmeasured
    idle = Probe(options.interval_ms)
    idle.start()
    wait_until(app, lambda: False, 1.0)
    idle.stop()
    results: dict[str, Any] = {
        "idle": gap_figures(idle.gaps_ms(), options.interval_ms),
        "cases": {},
    }
    try:
        for name in options.cases:
            case = _case(name, options.quick)
            runs = []
            for index in range(options.runs):
                run = run_case(app, window, case, options)
                print_run(name, index, run)
                runs.append(run)
            results["cases"][name] = {
                **asdict(case),
                "summary": summarize_case(runs),
                "per_run": runs,
            }
    finally:
        window.close()
        stop_process_helpers()
        shutil.rmtree(folder, ignore_errors=True)
    return results


def _case(name: str, quick: bool) -> Case:
    return (QUICK if quick else CASES)[name]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per case (default 5)")
    parser.add_argument("--quick", action="store_true", help="1 run per case, smaller sweeps")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated case names")
    parser.add_argument("--interval-ms", type=int, default=5, help="probe interval (default 5)")
    parser.add_argument(
        "--interact", action="store_true", help="switch tabs every 400 ms during the run"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the GUI thread")
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=0.0,
        help="override sys.setswitchinterval (seconds) after the app sets it",
    )
    parser.add_argument(
        "--nice", type=int, default=None, help="the run host's nice (default: the app's)"
    )
    parser.add_argument(
        "--xvfb", action="store_true", help="run under xvfb-run on the xcb platform"
    )
    parser.add_argument(
        "--engine-floor", action="store_true", help="no window: the engine's own stall only"
    )
    parser.add_argument("--out", default="", help="results name (results/<out>.json)")
    options = parser.parse_args(argv)
    options.cases = [c.strip() for c in options.cases.split(",") if c.strip()]
    unknown = [c for c in options.cases if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    if options.quick and "--runs" not in argv:
        options.runs = 1
    return options


def rerun_under_xvfb(argv: list[str]) -> int:
    """Run this script again inside a virtual X server, on a real xcb window."""
    if not shutil.which("xvfb-run"):
        raise SystemExit("--xvfb: xvfb-run is not installed (apt-get install xvfb xauth)")
    args = [a for a in argv if a != "--xvfb"] + ["--platform-xcb"]
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    command = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, __file__, *args]
    return subprocess.call(command, env=env)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    xcb = "--platform-xcb" in argv
    argv = [a for a in argv if a != "--platform-xcb"]
    options = parse_args(argv)
    if options.xvfb and not xcb:
        return rerun_under_xvfb(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    began = time.perf_counter()
    results = measure_floor(options) if options.engine_floor else measure(options)
    options.out = options.out or ("gui_latency_floor" if options.engine_floor else "gui_latency")
    if results["idle"]:
        idle = results["idle"]
        print(f"idle: p99 {idle['p99_ms']:.1f} ms, longest {idle['max_ms']:.1f} ms")
    print("| case | runs | p99 median (ms) | p99 worst | longest median (ms) | longest worst |")
    print("|---|---|---|---|---|---|")
    for name, case in results["cases"].items():
        s = case["summary"]
        print(
            f"| {name} | {s['runs']} | {s['p99_ms_median']:.1f} | {s['p99_ms_worst']:.1f} | "
            f"{s['max_ms_median']:.1f} | {s['max_ms_worst']:.1f} |"
        )
    write_results(
        options.out,
        {
            "platform": os.environ.get("QT_QPA_PLATFORM"),
            "engine_floor": options.engine_floor,
            "interact": options.interact,
            "quick": options.quick,
            "targets_ms": {"p99": TARGET_P99_MS, "max": TARGET_MAX_MS},
            "switch_interval_s": sys.getswitchinterval(),
            "host_nice": getattr(options, "nice", None),
            **results,
            "wall_s": round(time.perf_counter() - began, 1),
        },
    )
    met = all(
        c["summary"]["p99_target_met"] and c["summary"]["max_target_met"]
        for c in results["cases"].values()
    )
    print("targets met" if met else "targets MISSED")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
