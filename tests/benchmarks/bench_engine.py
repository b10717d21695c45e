"""Engine overhead, speedup fidelity and event throughput against bare peers (issue 6, 1-3).

Run: python tests/benchmarks/bench_engine.py [--rounds 5] [--quick]
Every comparison alternates the candidates in one run and reports medians of ``--rounds``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import sys
import time

from _bench_util import alternate, median, timed, write_results

from desktop_app import workloads
from desktop_app.engine.executors import make_executor
from desktop_app.engine.start_method import get_context


def calibrate(target_s: float) -> int:
    """cpu_burn iterations that take about ``target_s`` on this machine."""
    iterations = 10_000
    while True:
        elapsed = min(timed(lambda n=iterations: workloads.cpu_burn(n)) for _ in range(3))
        if elapsed > 0.02:
            return max(1, int(iterations * target_s / elapsed))
        iterations *= 2


def overhead(task_s: float, count: int, rounds: int, size: int) -> dict:
    """Same tasks, same pool size and chunking: the lab's processes executor against bare peers."""
    iterations = calibrate(task_s)
    items = [iterations] * count
    chunksize = max(1, count // (size * 4))
    ctx = get_context()
    lab = make_executor("processes", size)
    lab.start()
    pool = ctx.Pool(size)
    ppe = concurrent.futures.ProcessPoolExecutor(size, mp_context=ctx)
    candidates = {
        "lab processes (with spans)": lambda: lab.map(workloads.cpu_burn, items, chunksize=chunksize).wall_s,
        "multiprocessing.Pool.map": lambda: timed(lambda: pool.map(workloads.cpu_burn, items, chunksize)),
        "ProcessPoolExecutor.map": lambda: timed(lambda: list(ppe.map(workloads.cpu_burn, items, chunksize=chunksize))),
    }
    try:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=size, backend="loky", batch_size=chunksize)
        candidates["joblib (loky)"] = lambda: timed(
            lambda: parallel(delayed(workloads.cpu_burn)(i) for i in items)
        )
    except ImportError:
        print("joblib not installed: skipping loky", file=sys.stderr)
    for run in candidates.values():  # warm every pool before timing
        run()
    try:
        times = alternate(candidates, rounds)
    finally:
        lab.shutdown()
        pool.terminate()
        ppe.shutdown()
    medians = {name: median(values) for name, values in times.items()}
    fastest_bare = min(v for k, v in medians.items() if not k.startswith("lab"))
    ratio = medians["lab processes (with spans)"] / fastest_bare
    return {"task_s": task_s, "tasks": count, "chunksize": chunksize, "pool_size": size,
            "medians_s": medians, "all_s": times, "lab_vs_fastest_bare": ratio}


def fidelity(rounds: int, size: int) -> dict:
    """CPU-bound work at pool size = cores against serial, by the lab and by bare code."""
    iterations = calibrate(0.02)
    items = [iterations] * 40
    lab_serial, lab_proc = make_executor("serial", 1), make_executor("processes", size)
    lab_proc.start()
    ctx = get_context()
    pool = ctx.Pool(size)
    pool.map(workloads.noop, range(size))
    candidates = {
        "lab serial": lambda: lab_serial.map(workloads.cpu_burn, items, chunksize=1).wall_s,
        "lab processes": lambda: lab_proc.map(workloads.cpu_burn, items, chunksize=1).wall_s,
        "bare serial": lambda: timed(lambda: [workloads.cpu_burn(i) for i in items]),
        "bare Pool.map": lambda: timed(lambda: pool.map(workloads.cpu_burn, items, 1)),
    }
    try:
        times = alternate(candidates, rounds)
    finally:
        lab_serial.shutdown()
        lab_proc.shutdown()
        pool.terminate()
    m = {name: median(values) for name, values in times.items()}
    # Speedups per round (serial and parallel measured back to back), then the median: on a
    # shared virtual machine the speed drifts by tens of percent between rounds.
    lab = [s / p for s, p in zip(times["lab serial"], times["lab processes"], strict=True)]
    bare = [s / p for s, p in zip(times["bare serial"], times["bare Pool.map"], strict=True)]
    lab_speedup, bare_speedup = median(lab), median(bare)
    return {"pool_size": size, "medians_s": m, "all_s": times, "lab_speedup": lab_speedup,
            "bare_speedup": bare_speedup,
            "agreement": median([a / b for a, b in zip(lab, bare, strict=True)]),
            "target_speedup": 0.9 * size}


def throughput(count: int, rounds: int, size: int) -> dict:
    """Trivial tasks with every span recorded, against a bare Pool.map with the same chunksize."""
    items = list(range(count))
    chunksize = max(1, count // (size * 4))
    lab = make_executor("processes", size)
    lab.start()
    pool = get_context().Pool(size)
    spans_bytes = []

    def lab_run() -> float:
        outcome = lab.map(workloads.noop, items, chunksize=chunksize)
        assert len(outcome.spans) == count
        spans_bytes.append(outcome.spans.nbytes() / count)
        return outcome.wall_s

    candidates = {"lab processes": lab_run,
                  "bare Pool.map": lambda: timed(lambda: pool.map(workloads.noop, items, chunksize))}
    try:
        times = alternate(candidates, rounds)
    finally:
        lab.shutdown()
        pool.terminate()
    m = {name: median(values) for name, values in times.items()}
    rates = {name: count / value for name, value in m.items()}
    return {"tasks": count, "chunksize": chunksize, "medians_s": m, "tasks_per_s": rates,
            "lab_vs_bare": rates["lab processes"] / rates["bare Pool.map"],
            "span_bytes_each": max(spans_bytes)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    size = os.cpu_count() or 2
    scale = 10 if args.quick else 1
    results = {
        "overhead_1ms": overhead(0.001, 2000 // scale, args.rounds, size),
        "overhead_50us": overhead(0.00005, 20000 // scale, args.rounds, size),
        "fidelity": fidelity(args.rounds, size),
        "throughput": throughput(1_000_000 // scale, args.rounds, size),
    }
    for name, result in results.items():
        summary = {k: v for k, v in result.items() if k != "all_s"}
        print(f"{name}: {summary}")
    write_results("engine", results)
    return 0


if __name__ == "__main__":
    began = time.perf_counter()
    code = main()
    print(f"took {time.perf_counter() - began:.1f} s", file=sys.stderr)
    raise SystemExit(code)
