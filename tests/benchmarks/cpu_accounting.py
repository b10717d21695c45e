"""Where a million trivial tasks spend their CPU: the lab's ``processes`` × 2 and a bare
``Pool(2).map`` (issue 14's throughput target), and when each of the lab's chunks moved.

Run: python tests/benchmarks/cpu_accounting.py [N]   (default 1,000,000 ``workloads.noop`` tasks)

For each of five alternating rounds (lab, bare, bare, lab, lab, ...): the wall time of the
whole ``map`` call, the CPU time (user + system, psutil) its two workers and the parent
process (every thread of it) used. Then the last lab map's chunk stamps (``hops``): when each
chunk was submitted, pickled, loaded by its worker, finished running, pickled back and
received, in ms from the first submit, which shows the workers' idle gaps. On two cores the
wall time cannot be under half the CPU time of all three processes.
Results: results/cpu_accounting.json.
"""

import statistics
import sys
import time

import psutil
from _bench_util import write_results

from desktop_app import workloads
from desktop_app.engine.executors import base, make_executor
from desktop_app.engine.start_method import get_context

last_hops: list = []  # the chunk stamps of the last map (the outcome keeps only their sums)
_summarize = base.summarize


def _keep_hops(hops):
    last_hops[:] = list(hops)
    return _summarize(hops)


base.summarize = _keep_hops


def measure(run, procs) -> tuple[float, float, float]:
    me = psutil.Process()
    c0 = [p.cpu_times() for p in procs]
    m0 = me.cpu_times()
    t0 = time.perf_counter()
    run()
    wall = time.perf_counter() - t0
    c1 = [p.cpu_times() for p in procs]
    m1 = me.cpu_times()
    workers = sum((b.user + b.system) - (a.user + a.system) for a, b in zip(c0, c1, strict=False))
    parent = (m1.user + m1.system) - (m0.user + m0.system)
    return wall, workers, parent


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    items = list(range(n))
    lab = make_executor("processes", 2)
    lab.start()
    bare = get_context().Pool(2)
    try:
        lab.map(workloads.noop, items)
        bare.map(workloads.noop, items)
        lab_procs = [psutil.Process(p) for p in lab.worker_pids()]
        bare_procs = [psutil.Process(p.pid) for p in bare._pool]
        runs = {
            "lab": (lambda: lab.map(workloads.noop, items), lab_procs),
            "bare Pool.map": (lambda: bare.map(workloads.noop, items), bare_procs),
        }
        figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in runs}
        for index in range(5):
            order = list(runs.items())
            for name, (run, procs) in order if index % 2 == 0 else order[::-1]:
                figures[name].append(measure(run, procs))
        hops = sorted(last_hops, key=lambda h: h.submitted)
    finally:
        lab.shutdown()
        bare.terminate()
        bare.join()
    result = {}
    for name, rows in figures.items():
        wall, workers, parent = (statistics.median(column) for column in zip(*rows, strict=False))
        result[name] = {"wall_s": wall, "worker_cpu_s": workers, "parent_cpu_s": parent}
        print(
            f"{name:14s} wall {1e3 * wall:6.1f} ms   workers' CPU {1e3 * workers:5.0f} ms   "
            f"parent's CPU {1e3 * parent:5.0f} ms   (medians of 5)"
        )
    zero = hops[0].submitted
    result["lab_chunks_ms"] = []
    print("last lab map, ms from the first submit:")
    for h in hops:
        stamps = [
            h.submitted,
            h.pickle_start,
            h.pickle_end,
            h.load_start,
            h.load_end,
            h.result_start,
            h.result_end,
            h.received,
        ]
        row = [round(1e3 * (x - zero), 1) for x in stamps]
        result["lab_chunks_ms"].append({"pid": h.pid, "stamps": row})
        print(
            f"  pid {h.pid}: submitted {row[0]}, pickled {row[1]}-{row[2]}, loaded "
            f"{row[3]}-{row[4]}, ran to {row[5]}, result pickled {row[6]}, received {row[7]}"
        )
    write_results("cpu_accounting", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
