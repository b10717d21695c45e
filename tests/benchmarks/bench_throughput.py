"""Trivial tasks through the lab against bare code (issue 14): the serial baseline and Pool(2).

Run: python tests/benchmarks/bench_throughput.py [--rounds 7] [--quick]
Three figures, each the median of ``--rounds`` alternating rounds (lab, bare, lab, ...):

- serial: 100,000 squares through the lab's ``serial`` executor (every span, every CPU-time
  reading) against a bare ``[square(x) for x in items]``, as ``wall_s`` is measured;
- pool 100k and pool 1M: ``workloads.noop`` through the lab's ``processes`` executor at 2
  workers against a bare ``Pool(2).map`` with its default chunksize, which is also the lab's;
  the lab as it reports its wall time and as the whole ``map`` call takes, timed outside. The
  bare pool runs in a plain process of its own (``_bench_util.CleanProcessPool``): the lab's
  pool sets its own process's allocator, which slowed a bare pool sharing that process.

Written for ``ab_compare.py`` (one tree against another); results/throughput.json.
"""

from __future__ import annotations

import argparse
import sys
import time

from _bench_util import CleanProcessPool, alternate, median, timed, write_results

from desktop_app import workloads
from desktop_app.engine.executors import make_executor


def serial(count: int, rounds: int) -> dict:
    items = list(range(1, count + 1))
    lab = make_executor("serial", 1)
    lab.start()
    square = workloads.square

    def lab_run() -> float:
        outcome = lab.map(square, items)
        assert len(outcome.spans) == count
        return outcome.wall_s

    try:
        times = alternate(
            {"lab serial": lab_run, "bare loop": lambda: timed(lambda: [square(x) for x in items])},
            rounds,
            mirrored=True,
        )
    finally:
        lab.shutdown()
    m = {name: median(values) for name, values in times.items()}
    return {"tasks": count, "medians_s": m, "lab_over_bare": m["lab serial"] / m["bare loop"]}


def pool(count: int, rounds: int, size: int = 2) -> dict:
    items = list(range(count))
    lab = make_executor("processes", size)
    lab.start()
    try:
        bare = CleanProcessPool(count, size)  # in a plain process, as a user's own would run
    except BaseException:
        lab.shutdown()
        raise

    whole_call: list[float] = []

    def lab_run() -> float:
        began = time.perf_counter()
        outcome = lab.map(workloads.noop, items)  # default chunksize, as Pool.map's
        whole_call.append(time.perf_counter() - began)
        assert len(outcome.spans) == count
        return outcome.wall_s

    try:
        times = alternate(
            {
                "lab": lab_run,
                "bare Pool.map": bare.run,
            },
            rounds,
            mirrored=True,
        )
    finally:
        lab.shutdown()
        bare.close()
    m = {name: median(values) for name, values in times.items()}
    m["lab, whole map call"] = median(whole_call)
    ratios = [b / a for a, b in zip(times["lab"], times["bare Pool.map"], strict=True)]
    return {
        "tasks": count,
        "medians_s": m,
        "lab_throughput_over_bare": m["bare Pool.map"] / m["lab"],
        # The lab's reported wall time ends with the last chunk's spans collected; the whole
        # call also builds the outcome: the same comparison, timed as the bare side is.
        "lab_whole_call_over_bare": m["bare Pool.map"] / m["lab, whole map call"],
        "median_round_ratio": median(ratios),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="no 1,000,000-task figure")
    args = parser.parse_args()
    results = {"serial_100k": serial(100_000, args.rounds)}
    results["pool_100k"] = pool(100_000, args.rounds)
    if not args.quick:
        results["pool_1m"] = pool(1_000_000, args.rounds)
    for name, result in results.items():
        print(f"{name}: {result}")
    write_results("throughput", results)
    return 0


if __name__ == "__main__":
    began = time.perf_counter()
    status = main()
    print(f"took {time.perf_counter() - began:.1f} s", file=sys.stderr)
    sys.exit(status)
