"""The harness's overhead on a user's own function (issue 15: within 5 % for 1 ms tasks).

Usage: python tests/benchmarks/bench_overhead_user.py [--rounds 7] [--tasks 400] [--task-ms 1]
                                                     [--pool-size 2]

A user's experiment file is written to a temporary folder: ``task(x)`` spins for ``--task-ms``
on the clock. Three candidates map it over the same inputs with the same chunking
(``Pool.map``'s rule, about four chunks per worker), alternating A, B, C, C, B, A… in one run,
each on a warm pool:

- **lab (experiment)**: what ``concurrency-lab bench`` measures, the processes executor mapping a
  :class:`UserTask` (loaded by path in each worker), its reported ``wall_s``;
- **lab (plain function)**: the same executor on the function imported normally (the engine's
  own overhead, without the by-path loading);
- **bare ProcessPoolExecutor.map**: the function imported normally, timed around ``list(map)``.

Reports the medians of ``--rounds``, lab ÷ bare of the medians, and the median of each round's
own ratio (the three ran back to back in it). Results: results/overhead_user.json.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import importlib
import os
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_util import alternate, median, timed, write_results

from desktop_app.engine.executors import default_chunksize, make_executor
from desktop_app.engine.start_method import get_context
from desktop_app.experiments.loader import parse_target
from desktop_app.experiments.task import UserTask

USER_FILE = '''
"""Spins for a fixed time: a task of known length."""
import time

SECONDS = {seconds!r}

def task(x):
    end = time.perf_counter() + SECONDS
    while time.perf_counter() < end:
        pass
    return x
'''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--task-ms", type=float, default=1.0)
    parser.add_argument("--pool-size", type=int, default=2)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="lab-overhead-")
    path = Path(folder) / "spin_user.py"
    path.write_text(textwrap.dedent(USER_FILE.format(seconds=args.task_ms / 1000)))
    sys.path.insert(0, folder)  # before any pool starts: the bare workers import it by name
    plain = importlib.import_module("spin_user").task
    items = list(range(args.tasks))
    chunksize = default_chunksize(len(items), args.pool_size)
    user_task = UserTask(parse_target(str(path)))
    lab = make_executor("processes", args.pool_size)
    lab.start()
    ppe = concurrent.futures.ProcessPoolExecutor(args.pool_size, mp_context=get_context())
    candidates = {
        "lab (experiment)": lambda: lab.map(user_task, items, chunksize=chunksize).wall_s,
        "lab (plain function)": lambda: lab.map(plain, items, chunksize=chunksize).wall_s,
        "bare ProcessPoolExecutor.map": lambda: timed(
            lambda: list(ppe.map(plain, items, chunksize=chunksize))
        ),
    }
    load_before = os.getloadavg()
    try:
        for run in candidates.values():  # warm every pool and the by-path load
            run()
        times = alternate(candidates, args.rounds, mirrored=True)
    finally:
        lab.shutdown()
        ppe.shutdown()
    load_after = os.getloadavg()
    medians = {name: median(values) for name, values in times.items()}
    bare = medians["bare ProcessPoolExecutor.map"]
    ratios = {name: value / bare for name, value in medians.items()}
    # Per round too (the three ran back to back), then the median: the machine's speed drifts
    # by tens of percent between rounds under load, much less within one.
    paired = {
        name: median(
            [a / b for a, b in zip(values, times["bare ProcessPoolExecutor.map"], strict=True)]
        )
        for name, values in times.items()
    }
    for name, value in medians.items():
        spread = max(times[name]) - min(times[name])
        print(
            f"{name:30s} median {value * 1000:8.2f} ms (range {spread * 1000:.2f} ms, "
            f"n={args.rounds})  ÷ bare {ratios[name]:.3f}, per round {paired[name]:.3f}"
        )
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min)")
    write_results(
        "overhead_user",
        {
            "tasks": args.tasks,
            "task_ms": args.task_ms,
            "pool_size": args.pool_size,
            "chunksize": chunksize,
            "rounds": args.rounds,
            "all_s": times,
            "medians_s": medians,
            "ratio_to_bare": ratios,
            "median_ratio_per_round": paired,
            "load_avg_before": load_before,
            "load_avg_after": load_after,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
