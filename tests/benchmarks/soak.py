"""Soak: hundreds of consecutive runs through every scenario in one window (issue 5).

Run: python tests/benchmarks/soak.py [--runs 300] [--warmup 16]
Writes tests/benchmarks/results/soak.json. tests/reliability/test_soak.py runs a short version
through the same functions.

One offscreen MainWindow runs every scenario in turn with small parameters, the exceptions
scenario cycling through its faults (an unpicklable exception, a worker's exit, SIGKILL, a
hang stopped by the timeout), so broken pools are rebuilt again and again. After a warm-up
(pools started, imports and caches filled) the resident memory, the threads, the child
processes and the open file descriptors are sampled at the same point of the cycle (after
its last scenario), and compared with the last sample: memory must grow by under 10 % and the
counts must come back to their values after warm-up.

Why the order: ``exceptions`` first, then ``process-pool`` on the same pool size, so a pool a
fault broke is rebuilt within the cycle and every sample sees the same warm pools.

Why the output pane is filled during warm-up: it keeps the last 5,000 lines (desktop_app/ui/
output_view.py), about 15 MB here (3 KB a line, more for a long wrapped note; measured), and a
hidden pane's document keeps growing until its capacity has gone through it a few times. A few
hundred small runs print far fewer lines, so without the fill a soak measures the pane filling
up (+15 % over 300 runs, measured), not a leak: a 1,000-run soak levelled off after about 600
runs and then grew 0.2 %. So after the first cycle, that cycle's own lines go through the pane
until it is at its steady size. The samples also record the pane's lines and the error
console's records, the two histories the window keeps (the console keeps every record until
the user clears it, about 5 KB each).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

POOL_SIZE = 2
FAULTS = ("none", "unpicklable", "exit", "kill", "hang")
# Small enough that a run takes a fraction of a second; every scenario's machinery still runs.
PLAN: dict[str, dict[str, Any]] = {
    "exceptions": {"timeout": 0.5},  # plus the fault of the cycle
    "process-pool": {"n": 8, "chunksize": 1},
    "io-vs-cpu": {"n": 2, "io_ms": 1, "cpu_ms": 1},
    "process-start-join": {"hold_ms": 0},
    "producer-consumer": {"n": 3, "producer_ms": 0.0, "consumer_ms": 0.0, "race_n": 200},
    "sharing-data": {"tool": "all", "messages": 10, "msg_kb": 1},
    "thread-pool-factorial": {"n": 12},
    "pool-timing": {"n": 10, "workload": "square"},
    # with a second interpreter (pyenv's 3.12 where there is one): a host of its own each run
    "gil-interpreters": {
        "n": 2,
        "cpu_ms": 1,
        "io_ms": 1,
        "py311": False,
        "py312": True,
        "py313": False,
        "py314": False,
        "free_threaded": False,
    },
}
SWEEP_SIZES = (1, POOL_SIZE)
RUN_TIMEOUT_S = 120.0
SETTLE_S = 10.0  # after a run, how long the counts may take to come back (threads ending)
MEMORY_GROWTH_LIMIT = 0.10


@dataclass
class Sample:
    """What the process holds at one moment (after a garbage collection)."""

    run: int
    rss_mb: float
    threads: int  # OS threads of this process (Qt's and Python's)
    python_threads: int
    children: int  # every descendant: workers, the forkserver, the resource tracker
    fds: int
    output_lines: int = 0  # the output pane's history (bounded: MAX_LINES)
    error_records: int = 0  # the error console's history (kept until the user clears it)

    def counts(self) -> tuple[int, int, int, int]:
        return (self.threads, self.python_threads, self.children, self.fds)


def take_sample(run: int, window: Any = None) -> Sample:
    import threading

    import psutil

    gc.collect()
    me = psutil.Process()
    children = [c for c in me.children(recursive=True) if _running(c)]
    return Sample(
        run=run,
        rss_mb=me.memory_info().rss / 2**20,
        threads=me.num_threads(),
        python_threads=threading.active_count(),
        children=len(children),
        fds=me.num_fds() if hasattr(me, "num_fds") else me.num_handles(),
        output_lines=window.ui.output.blockCount() if window is not None else 0,
        error_records=len(window.error_records()) if window is not None else 0,
    )


FILL_PASSES = 3  # times the pane's capacity goes through it: enough for a steady state
FILL_BATCH = 5  # lines per append, about what a frame of a small run adds


def fill_output_pane(window: Any) -> None:
    """Push the lines the pane holds now through it until it is at its steady size.

    Appended in small batches, as runs do: a hidden pane's document reaches its bounded size
    only after its capacity has gone through it a few times (measured: a 1,000-run soak
    levelled off after about 600 runs; see the docstring).
    """
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.panels.output_view import MAX_LINES

    lines = window.ui.output.lines() or ["(no output yet)"]
    total = FILL_PASSES * MAX_LINES
    repeated = (lines * (total // len(lines) + 1))[:total]
    app = QApplication.instance()
    for start in range(0, total, FILL_BATCH):
        window.ui.output.append_lines(repeated[start : start + FILL_BATCH])
        if app is not None:
            app.processEvents()


def _running(process: Any) -> bool:
    import psutil

    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def settled_sample(app: Any, window: Any, run: int, target: Sample | None) -> Sample:
    """A sample once the counts stop moving (or match ``target``), within SETTLE_S.

    Threads of a finished run and killed workers take a moment to go; sampling at once would
    count them. This waits for a condition, bounded, rather than sleeping a fixed time.
    """
    deadline = time.monotonic() + SETTLE_S
    previous = take_sample(run, window)
    while time.monotonic() < deadline:
        if target is not None and previous.counts() == target.counts():
            return previous
        _process_events(app, 0.1)
        current = take_sample(run, window)
        if target is None and current.counts() == previous.counts():
            return current
        previous = current
    return previous


def _process_events(app: Any, seconds: float) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.01)


def cycle_order() -> list[str]:
    from desktop_app.scenarios.registry import all_scenarios

    registered = [scenario.id for scenario in all_scenarios()]
    missing = sorted(set(registered) - set(PLAN))
    if missing:
        raise SystemExit(f"soak: no soak parameters for {', '.join(missing)}: add them to PLAN")
    return list(PLAN)


def run_once(app: Any, window: Any, scenario_id: str, params: dict[str, Any]) -> Any:
    """One run through the window's own API; the report (raises on a refusal or a hang)."""
    from PySide6.QtCore import QEventLoop, QTimer

    window.select_scenario(scenario_id)
    for name, value in params.items():
        window.set_param(name, value)
    window.set_pool_size(POOL_SIZE)
    window.set_pool_sizes(SWEEP_SIZES)
    window.set_repeats(1)
    reports: list[Any] = []
    loop = QEventLoop()

    def on_finished(report: Any) -> None:
        reports.append(report)
        loop.quit()

    window.run_finished.connect(on_finished)
    guard = QTimer(singleShot=True, interval=int(RUN_TIMEOUT_S * 1000))
    guard.timeout.connect(loop.quit)
    try:
        if not window.start_run():
            raise RuntimeError(f"{scenario_id}: the window refused the run: {window.last_refusal}")
        guard.start()
        if not reports:
            loop.exec()
    finally:
        guard.stop()
        window.run_finished.disconnect(on_finished)
    if not reports:
        window.cancel_run()
        raise RuntimeError(f"{scenario_id}: no result within {RUN_TIMEOUT_S:g} s")
    return reports[0]


def baseline_run(runs: int, warmup: int, cycle: int) -> int:
    """The first run at or after ``warmup`` that ends at the same point of the cycle as the last."""
    run = warmup
    while (runs - run) % cycle:
        run += 1
    if run >= runs:
        raise SystemExit(f"soak: {runs} runs leave nothing after a warm-up of {warmup}")
    return run


def soak(app: Any, window: Any, runs: int, warmup: int, log: Any = None) -> dict[str, Any]:
    """``runs`` consecutive runs; the samples, per-scenario durations and unexpected states."""
    order = cycle_order()
    first_sampled = baseline_run(runs, warmup, len(order))
    if first_sampled < len(order):
        raise SystemExit(f"soak: the warm-up must cover one cycle ({len(order)} runs)")
    samples: list[Sample] = [take_sample(0, window)]
    durations: dict[str, list[float]] = {scenario: [] for scenario in order}
    unexpected: list[str] = []
    faults = iter(FAULTS * runs)
    baseline: Sample | None = None
    for run in range(1, runs + 1):
        scenario_id = order[(run - 1) % len(order)]
        params = dict(PLAN[scenario_id])
        if scenario_id == "exceptions":
            params["fault"] = next(faults)
        report = run_once(app, window, scenario_id, params)
        durations[scenario_id].append(report.duration_s)
        expected = (
            ("completed", "failed") if params.get("fault", "none") != "none" else ("completed",)
        )
        if report.state not in expected:
            unexpected.append(f"run {run} {scenario_id} {params}: {report.state}")
        if run == len(order):
            fill_output_pane(window)
        if run >= first_sampled and (runs - run) % len(order) == 0:
            sample = settled_sample(app, window, run, baseline)
            baseline = baseline or sample
            samples.append(sample)
            if log:
                log(f"run {run:4d}: {_describe(sample)}")
    return {
        "runs": runs,
        "warmup": first_sampled,
        "cycle": order,
        "samples": [asdict(s) for s in samples],
        "durations": durations,
        "unexpected": unexpected,
    }


def verdict(result: dict[str, Any]) -> dict[str, Any]:
    """Memory growth and counts, after warm-up against the end."""
    first, last = result["samples"][1], result["samples"][-1]
    growth = (last["rss_mb"] - first["rss_mb"]) / first["rss_mb"]
    keys = ("threads", "python_threads", "children", "fds")
    return {
        "after_warmup": first,
        "at_end": last,
        "rss_growth": growth,
        "memory_ok": growth < MEMORY_GROWTH_LIMIT,
        "counts_return": all(first[k] == last[k] for k in keys),
    }


def _describe(sample: Sample) -> str:
    return (
        f"rss {sample.rss_mb:7.1f} MB, threads {sample.threads} (python {sample.python_threads}),"
        f" children {sample.children}, fds {sample.fds}; output lines {sample.output_lines},"
        f" error records {sample.error_records}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=16, help="runs before the first sample")
    args = parser.parse_args()

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    settings_dir = _temporary_folder()
    window = MainWindow(  # with its own run host, as the app builds it
        settings=QSettings(f"{settings_dir}/soak.ini", QSettings.Format.IniFormat)
    )
    window.show()
    began = time.perf_counter()
    try:
        result = soak(app, window, args.runs, args.warmup, log=lambda text: print(text, flush=True))
    finally:
        window.close()  # stops the run host
    result["wall_s"] = time.perf_counter() - began
    result["verdict"] = verdict(result)
    _report(result)
    from _bench_util import write_results

    write_results("soak", result)
    ok = result["verdict"]["memory_ok"] and result["verdict"]["counts_return"]
    return 0 if ok and not result["unexpected"] else 1


def _temporary_folder() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="concurrency-lab-soak-")


def _report(result: dict[str, Any]) -> None:
    v = result["verdict"]
    print(
        f"\n{result['runs']} runs in {result['wall_s']:.0f} s; sampled from run {result['warmup']}"
    )
    print(f"after warm-up: {_describe(Sample(**v['after_warmup']))}")
    print(f"at the end:    {_describe(Sample(**v['at_end']))}")
    print(f"memory growth: {v['rss_growth'] * 100:+.1f} % (limit {MEMORY_GROWTH_LIMIT:.0%})")
    print(f"counts return to their values after warm-up: {v['counts_return']}")
    for scenario, values in result["durations"].items():
        values = sorted(values)
        print(f"  {scenario:<22} {len(values):3d} runs, median {values[len(values) // 2]:.3f} s")
    for line in result["unexpected"]:
        print(f"UNEXPECTED {line}")


if __name__ == "__main__":
    sys.exit(main())
