"""The window's auto-save: the GUI event loop's longest gap while a run is saved (issue 16).

Usage: QT_QPA_PLATFORM=offscreen python tests/benchmarks/history_save_gap.py [--rounds 7]
                                                  [--n 100000] [--repeat 5] [--name N]

Makes the real ``pool-timing`` run of store_bench.py (n = 100,000 at pool size 2, 5 repeats
and the serial baseline: 1,000,000 spans, 1,000,000 results), then alternates in every round
(mirrored: A B, B A, …):

- ``save``: the window's own saver, ``RunHistory.save_report`` (ui/history/run_history.py),
  into a fresh database, while a 1 ms ``QTimer`` on the GUI thread records the gaps between
  its ticks, until ``run_saved`` arrives on the GUI thread;
- ``idle``: the same timer and event loop for as long, with nothing saved (the control: what
  the machine's load alone does to the loop).

Reports per candidate the longest gap and p99 gap (medians over rounds) and the wall time of
the save. Then, to tell the save's own GIL holds from the machine's load, it saves ``rounds``
more times on the main thread while a plain Python thread ticks every 1 ms: that thread's
longest gap is the longest stretch the save keeps the GIL (plus scheduling). Target (issue 16): longest gap while saving < 50 ms. Results:
tests/benchmarks/results/history_save_gap.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_util import alternate, write_results
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from store_bench import real_run

from desktop_app.history.store import Store
from desktop_app.ui.history.run_history import RunHistory

TICK_MS = 1


class GapMeter:
    """A 1 ms timer on the GUI thread; ``gaps`` holds the time between consecutive ticks."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer(interval=TICK_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self.gaps.clear()
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> dict[str, float]:
        self.timer.stop()
        gaps = sorted(self.gaps) or [0.0]
        return {"longest_ms": gaps[-1] * 1e3, "p99_ms": gaps[int(0.99 * (len(gaps) - 1))] * 1e3}


def _tick(stop: threading.Event, gaps: list[float]) -> None:
    last = time.perf_counter()
    while not stop.is_set():
        time.sleep(0.001)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now


def gil_probe(report, folder: Path, rounds: int) -> list[float]:
    """Longest gap (ms) of a 1 ms Python ticker thread during each of ``rounds`` saves."""
    longest = []
    for index in range(rounds):
        gaps: list[float] = []
        stop = threading.Event()
        ticker = threading.Thread(target=_tick, args=(stop, gaps), name="gil-probe")
        ticker.start()
        Store(folder / f"probe-{index}.sqlite3").save_report(report)
        stop.set()
        ticker.join()
        longest.append(max(gaps) * 1e3)
    return longest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--name", default="history_save_gap", help="results file name")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    report = real_run(args.n, args.repeat)
    spans = sum(len(entry.spans) for entry in report.runs)
    meter, folder = GapMeter(), Path(tempfile.mkdtemp(prefix="history-gap-"))
    seen: dict[str, list[dict[str, float]]] = {"save": [], "idle": []}
    durations: list[float] = []

    def save() -> float:
        history = RunHistory(store=Store(folder / f"{len(durations)}.sqlite3"))
        loop = QEventLoop()
        history.run_saved.connect(loop.quit)
        history.save_failed.connect(lambda text: (print(text, file=sys.stderr), loop.quit()))
        meter.start()
        began = time.perf_counter()
        history.save_report(report)
        loop.exec()
        durations.append(time.perf_counter() - began)
        seen["save"].append(meter.stop())
        return durations[-1]

    def idle() -> float:
        loop = QEventLoop()
        QTimer.singleShot(int(1000 * (durations[-1] if durations else 1.0)), loop.quit)
        meter.start()
        loop.exec()
        seen["idle"].append(meter.stop())
        return 0.0

    alternate({"save": save, "idle": idle}, args.rounds, mirrored=True)
    probe = gil_probe(report, folder, args.rounds)
    result = {
        "gil_probe_longest_ms": probe,
        "gil_probe_longest_ms_median": statistics.median(probe),
        "spans": spans,
        "rounds": args.rounds,
        "save_s_median": statistics.median(durations),
        **{
            f"{name}_{key}_median": statistics.median(r[key] for r in rows)
            for name, rows in seen.items()
            for key in ("longest_ms", "p99_ms")
        },
        "save_longest_ms_worst": max(r["longest_ms"] for r in seen["save"]),
        "per_round": seen,
        "save_s": durations,
    }
    write_results(args.name, result)
    for key, value in result.items():
        if key not in ("per_round", "save_s"):
            print(f"{key}: {value}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
