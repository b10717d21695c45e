"""Peak memory and GUI gaps of big exports (issue 20, item 5; issue 13, "Exports").

The case: pool-timing with n = 100,000, pool sizes 2, 4, 8 and 3 repeats (12 measurements,
1.2 million task spans and as many results).

``--cli``: the CLI run writing JSON, CSV and the trace, its own process's peak RSS sampled
every 20 ms; with ``--before DIR`` the same command against another checkout (the code before
this change: ``--json`` and ``--csv`` only, it had no ``--trace``), alternating A/B.

``--window``: an offscreen MainWindow runs the case in its run host, then exports each run
format in the background as the menu does, while a 5 ms timer on the GUI thread records the
event loop's longest gap and a thread samples the window process's RSS. For reference it then
times the old way once, ``json.dumps(report.to_json())`` on the GUI thread (what the menu did).

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/export_memory.py --window
    python tests/benchmarks/export_memory.py --cli --before /work/main --rounds 3
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).parent))
from _bench_util import median, write_results

CASE = ["pool-timing", "--set", "n=100000", "--pool-sizes", "2,4,8", "--repeat", "3"]
MB = 1 << 20


class PeakRss:
    """Samples a process's RSS on a thread; ``peak`` in MB."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self._process = psutil.Process(pid)
        self._interval = interval
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def reset(self) -> None:
        self.peak = 0.0

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self._process.memory_info().rss / MB)
            except psutil.Error:
                return
            self._stop.wait(self._interval)


def cli_peak(checkout: Path | None, folder: Path, with_trace: bool) -> dict:
    args = [*CASE, "--json", str(folder / "r.json"), "--csv", str(folder / "s.csv")]
    if with_trace:
        args += ["--trace", str(folder / "t.trace.json")]
    for name in ("r.json", "s.csv", "s-summary.csv", "t.trace.json"):
        (folder / name).unlink(missing_ok=True)
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "run", *args],
        cwd=checkout or os.getcwd(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    with PeakRss(process.pid) as rss:
        _, err = process.communicate()
    if process.returncode:
        raise SystemExit(f"CLI failed ({process.returncode}): {err.decode()[-500:]}")
    sizes = {p.name: p.stat().st_size // MB for p in folder.iterdir()}
    return {
        "peak_rss_mb": round(rss.peak, 1),
        "wall_s": round(time.perf_counter() - began, 1),
        "files_mb": sizes,
    }


def run_cli(args) -> dict:
    results: dict[str, list[dict]] = {"after": [], "before": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for index in range(args.rounds):
            print(f"round {index + 1}: after", file=sys.stderr)
            results["after"].append(cli_peak(None, folder, with_trace=True))
            if args.before:
                print(f"round {index + 1}: before", file=sys.stderr)
                results["before"].append(cli_peak(Path(args.before), folder, with_trace=False))
    summary = {
        name: median([r["peak_rss_mb"] for r in runs]) for name, runs in results.items() if runs
    }
    return {"cli": results, "cli_median_peak_rss_mb": summary}


def run_window(args) -> dict:
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from desktop_app.engine.outputs.formats import run_formats
    from desktop_app.ui.main_window import MainWindow

    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    window.select_scenario("pool-timing")
    window.set_param("n", 100_000)
    window.set_pool_sizes((2, 4, 8))
    window.set_repeats(3)
    done = []
    window.run_finished.connect(done.append)
    window.start_run()
    while not done:
        app.processEvents()
        time.sleep(0.01)
    report = done[0]
    spans = sum(len(entry.spans) for entry in report.runs)
    print(f"run {report.state}: {spans:,} spans", file=sys.stderr)
    out: dict = {"spans": spans, "exports": {}}
    with tempfile.TemporaryDirectory() as tmp, PeakRss(os.getpid()) as rss:
        settle_until = time.monotonic() + 1.0
        while time.monotonic() < settle_until:
            app.processEvents()
        out["rss_before_exports_mb"] = round(psutil.Process().memory_info().rss / MB, 1)
        idle = _gaps(QElapsedTimer, QTimer)  # the floor: the same timer with no export going
        idle_until = time.monotonic() + 5.0
        while time.monotonic() < idle_until:
            app.processEvents()
            time.sleep(0.001)
        idle.stop()
        out["idle_5s"] = idle.summary()
        out["load_avg_1m_at_start"] = os.getloadavg()[0]
        print("idle", out["idle_5s"], file=sys.stderr)
        for fmt in run_formats():
            rss.reset()
            gaps = _gaps(QElapsedTimer, QTimer)
            finished = []
            window.exports.export_finished.connect(finished.append)
            began = time.perf_counter()
            window.exports.start_export(fmt.key, Path(tmp) / f"run{fmt.suffix}")
            while not finished:
                app.processEvents()
                time.sleep(0.001)
            took = time.perf_counter() - began
            window.exports.export_finished.disconnect(finished.append)
            gaps.stop()
            out["exports"][fmt.key] = {
                "wall_s": round(took, 2),
                **gaps.summary(),
                "peak_rss_mb": round(rss.peak, 1),
                "mb_written": round(sum(p.stat().st_size for p in finished[0]) / MB, 1),
            }
            print(fmt.key, out["exports"][fmt.key], file=sys.stderr)
        rss.reset()
        began = time.perf_counter()
        import json

        text = json.dumps(report.to_json(), indent=2)  # the old export, on the GUI thread
        out["old_json_on_gui_thread"] = {
            "blocked_s": round(time.perf_counter() - began, 2),
            "peak_rss_mb": round(rss.peak, 1),
            "mb": round(len(text) / MB, 1),
        }
        del text
        print("old json", out["old_json_on_gui_thread"], file=sys.stderr)
    window.close()
    return {"window": out}


class _gaps:
    """Longest interval between ticks of a 5 ms timer on the GUI thread."""

    def __init__(self, elapsed_cls, timer_cls) -> None:
        self.longest = 0.0
        self.all: list[float] = []
        self._clock = elapsed_cls()
        self._clock.start()
        self._timer = timer_cls(interval=5)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        gap = self._clock.restart()
        self.all.append(gap)
        self.longest = max(self.longest, gap)

    def summary(self) -> dict:
        ordered = sorted(self.all) or [0.0]
        return {
            "longest_gap_ms": round(self.longest, 1),
            "p99_gap_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1),
            "gaps_over_50ms": sum(gap > 50 for gap in ordered),
        }

    def stop(self) -> None:
        self._timer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", action="store_true")
    parser.add_argument("--window", action="store_true")
    parser.add_argument("--before", help="a checkout of the code before, for the CLI's A/B")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    payload: dict = {"case": " ".join(CASE)}
    if args.window:
        payload |= run_window(args)
    if args.cli:
        payload |= run_cli(args)
    write_results("export_memory", payload)


if __name__ == "__main__":
    main()
