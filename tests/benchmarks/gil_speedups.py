"""CPU-bound speedup of threads (and processes, subinterpreters) at 2 workers, per interpreter.

Usage::

    python tests/benchmarks/gil_speedups.py [--rounds 7] [--n 4] [--cpu-ms 200] [--only 3.13t]

Every Python found (engine/pythons.py: PATH, pyenv, uv, CONCURRENCY_LAB_PYTHONS) runs the
gil-interpreters lesson's own part in a run host under it, ``--rounds`` repeats: in each repeat
serial, threads, processes, subinterpreters (3.14+) and asyncio run one after another, so the
backends alternate in one run and drift hits them alike. Reported per interpreter: the median
wall time of each backend, the speedup against serial (ratio of medians) with the range of
the per-round ratios, the GIL verdict, and the 1-minute load average before and after, since
a loaded 2-core machine cannot show a 2x speedup whatever the GIL does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from _bench_util import write_results

from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.context import run_scenario
from desktop_app.engine.events import MeasurementFinished, MeasurementStarted
from desktop_app.engine.host.client import RunHost
from desktop_app.engine.host.protocol import RunRequest
from desktop_app.engine.pythons import discover
from desktop_app.scenarios.gil_interpreters import ONE_INTERPRETER

BACKENDS = ("threads", "processes", "interpreters", "asyncio")


class CoresUsed:
    """CPU time the run's process spent per wall second during each threads measurement, from
    the live events (MeasurementStarted/Finished, batched every 50 ms): a GIL build cannot go
    above ~1 core with any number of threads; threads really running at once can. Less bent by
    the machine's load than a speedup, since it counts what the process got, not how fast."""

    def __init__(self, label):
        self.label = label
        self.pid = os.getpid()
        self.samples: list[float] = []
        self._start = None

    def _cpu(self):
        times = psutil.Process(self.pid).cpu_times()
        return times.user + times.system, time.perf_counter()

    def __call__(self, batch):
        for event in batch:
            what = getattr(event, "measurement", event)  # Finished carries a Measurement
            if getattr(what, "backend", None) != "threads":
                continue
            if isinstance(event, MeasurementStarted) and event.series == f"cpu · {self.label}":
                self._start = self._cpu()
            elif isinstance(event, MeasurementFinished) and self._start is not None:
                if event.measurement.series == f"cpu · {self.label}":
                    cpu, wall = self._cpu()
                    self.samples.append((cpu - self._start[0]) / (wall - self._start[1]))
                    self._start = None


def measure(info, params, rounds, size):
    params = dict(params, label=info.short)
    cores = CoresUsed(info.short)
    if info.source == "this":
        report = run_scenario(
            ONE_INTERPRETER, params, pool_sizes=(size,), repeats=rounds, consumer=cores
        )
        return report, cores
    host = RunHost(python=info.path)
    try:
        host.start()
        cores.pid = host.pid
        request = RunRequest(ONE_INTERPRETER, params, (size,), rounds, None)
        return host.submit(request, cores, CancelToken()), cores
    finally:
        host.shutdown()


def speedups(report, label):
    walls: dict[str, dict[int, float]] = {}
    for entry in report.runs:
        m = entry.measurement
        if m.series == f"cpu · {label}" and m.state == "completed":
            walls.setdefault(m.backend, {})[m.repeat] = m.wall_s
    serial = walls.get("serial", {})
    out = {}
    for backend in BACKENDS:
        times = walls.get(backend)
        if not times or not serial:
            continue
        ratios = [serial[r] / times[r] for r in times if r in serial and times[r] > 0]
        out[backend] = {
            "median_s": statistics.median(times.values()),
            "speedup": statistics.median(serial.values()) / statistics.median(times.values()),
            "ratio_min": min(ratios),
            "ratio_max": max(ratios),
            "rounds": len(ratios),
        }
    return {"serial_median_s": statistics.median(serial.values()), "backends": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--cpu-ms", type=int, default=200)
    parser.add_argument("--size", type=int, default=2)
    parser.add_argument("--only", default="", help="interpreters to run, e.g. 3.12,3.13t")
    args = parser.parse_args()
    params = {"n": args.n, "cpu_ms": args.cpu_ms, "io_ms": 1}
    results = []
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    for info in discover():
        if wanted and info.short not in wanted:
            continue
        before = os.getloadavg()[0]
        report, cores = measure(info, params, args.rounds, args.size)
        after = os.getloadavg()[0]
        gil = report.environment.get("gil", {})
        row = {
            "python": info.short,
            "version": ".".join(map(str, info.version)),
            "path": info.path,
            "state": report.state,
            "gil": gil.get("summary"),
            "load_before": before,
            "load_after": after,
            **speedups(report, info.short),
            "threads_cores_used": cores.samples,
        }
        results.append(row)
        cells = ", ".join(
            f"{b} {v['speedup']:.2f}x ({v['ratio_min']:.2f}-{v['ratio_max']:.2f})"
            for b, v in row["backends"].items()
        )
        used = cores.samples
        used_text = (
            f"threads used {statistics.median(used):.2f} cores ({min(used):.2f}-{max(used):.2f})"
            if used
            else "threads' cores not sampled"
        )
        print(
            f"{info.short:6} serial {row['serial_median_s']:.3f} s; {cells}; {used_text}; "
            f"{row['gil']}; load {before:.1f}->{after:.1f}"
        )
    write_results("gil_speedups", {"args": vars(args), "interpreters": results})


if __name__ == "__main__":
    main()
