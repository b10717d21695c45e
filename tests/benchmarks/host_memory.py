"""Peak memory of the window's side and of the run host for a 1,000,000-task run.

Issue 12: every span crossed the pipe twice (live, then again inside the finished report) and
the window kept both. This runs pool-timing with n = 1,000,000 (square: a serial baseline and
one pool, so 2,000,000 spans and results) through ``RunHost`` and samples, every 10 ms with
psutil, the RSS of this process (the window's side: the host client plus a consumer that keeps
a copy of the live spans, as the timeline does) and of the host process. It also counts the
bytes that came through the pipe.

A/B: ``--compare OLD_TREE`` runs the same script alternately against an older checkout (its
``desktop_app`` on PYTHONPATH) and this one, each run in a fresh interpreter, median of
``--rounds`` (default 5). Without it, one measurement of this tree is printed.

    python tests/benchmarks/host_memory.py --compare /tmp/before --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
N = 1_000_000


class _Sampler:
    """Peak RSS of this process and of the host, sampled on a thread."""

    def __init__(self) -> None:
        import psutil

        self._psutil = psutil
        self.window = self.host = 0
        self.host_pid: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = self._psutil.Process()
        host = None
        while not self._stop.wait(0.01):
            self.window = max(self.window, me.memory_info().rss)
            if host is None and self.host_pid:
                host = self._psutil.Process(self.host_pid)
            if host is not None:
                try:
                    self.host = max(self.host, host.memory_info().rss)
                except self._psutil.Error:
                    pass

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measure_once(n: int) -> dict:
    """One run of this interpreter's ``desktop_app`` (whichever tree is on the path)."""
    import desktop_app
    from desktop_app.engine.cancel import CancelToken
    from desktop_app.engine.events import TasksFinished
    from desktop_app.engine.host.client import RunHost
    from desktop_app.engine.records import SpanTable
    from desktop_app.scenarios.registry import get_scenario

    scenario = get_scenario("pool-timing")
    params = dict(scenario.resolve({"n": 10, "workload": "square"}))
    params["n"] = n  # past the form's limit of 100,000, on purpose
    timeline: dict = {}  # what the window's timeline keeps: the live spans, once

    def consumer(batch) -> None:
        for event in batch:
            if isinstance(event, TasksFinished):
                key = (event.series, event.backend, event.pool_size, event.repeat)
                timeline.setdefault(key, SpanTable()).extend(event.spans)

    host = RunHost()
    try:
        host.start()
        import psutil

        host_pid = host.pid
        read_before = (
            psutil.Process().io_counters().read_chars
            if hasattr(psutil.Process(), "io_counters")
            else 0
        )
        with _Sampler() as sampler:
            sampler.host_pid = host_pid
            began = time.perf_counter()
            report = host.run(
                scenario,
                params,
                pool_sizes=(2,),
                repeats=1,
                consumer=consumer,
                cancel=CancelToken(),
            )
            took = time.perf_counter() - began
            time.sleep(0.05)
        read = psutil.Process().io_counters().read_chars - read_before if read_before else 0
        spans = sum(len(entry.spans) for entry in report.runs)
        assert report.state == "completed", report.errors[:1]
        assert spans == 2 * n, spans
    finally:
        host.shutdown()
    return {
        "tree": str(Path(desktop_app.__file__).parents[1]),
        "window_peak_mb": sampler.window / 1e6,
        "host_peak_mb": sampler.host / 1e6,
        "pipe_read_mb": read / 1e6,
        "run_s": took,
        "spans": spans,
    }


def _child(tree: Path, n: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run(
        [sys.executable, str(HERE), "--once", "--n", str(n)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=Path, help="an older checkout to measure against")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=N)
    parser.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.once or args.compare is None:
        print(json.dumps(measure_once(args.n)))
        return 0
    sys.path.insert(0, str(HERE.parent))
    from _bench_util import median, write_results

    trees = {"before": args.compare.resolve(), "after": REPO}
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for index in range(args.rounds):
        order = list(trees.items())
        if index % 2:
            order.reverse()  # mirrored: neither side always runs first
        for name, tree in order:
            result = _child(tree, args.n)
            runs[name].append(result)
            print(name, json.dumps(result), file=sys.stderr)
    summary = {
        name: {
            key: round(median([r[key] for r in results]), 1)
            for key in ("window_peak_mb", "host_peak_mb", "pipe_read_mb", "run_s")
        }
        for name, results in runs.items()
    }
    print(json.dumps(summary, indent=2))
    write_results("host_memory", {"n": args.n, "median": summary, "runs": runs})
    return 0


if __name__ == "__main__":
    sys.exit(main())
