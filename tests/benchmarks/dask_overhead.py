"""The ``dask`` kind against a bare ``client.map`` on the same cluster (issue 18).

Usage: python tests/benchmarks/dask_overhead.py [--rounds 7] [--tasks 40] [--tiny 2000]

One LocalCluster of 2 single-thread worker processes, started by the lab's own ``dask``
executor; the bare side uses that executor's ``Client`` directly, so both run on the very same
workers. Alternating (mirrored) rounds of:

- ``cpu-10ms``: ``--tasks`` CPU-bound tasks of ~10 ms (``cpu_burn``) — the lab's map (chunks,
  spans, error capture) vs ``client.gather(client.map(...))`` one task per item, and the same
  loop serially in this process, so each side's 2-worker speedup is serial / map;
- ``tiny``: ``--tiny`` squares — the per-task cost of each way (wall time / tasks).

Then how long a cancel takes to end a map of tasks that ignore it (hang), from the cancel to the
map's return (target: 0.5 s), and the start that then replaces the hung workers; and the time
the lab's cluster takes to scale 1 -> 2 -> 4 workers (scale + wait_for_workers,
what a pool-size sweep reports as start-up), over the same number of rounds, scaled back to 1
between rounds. Prints medians with min-max and the 1-minute load average, and writes
results/dask_overhead.json. The target: the lab's map within 10 % of bare for 10 ms tasks.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_util import alternate, median, timed, write_results


def _spread(values: list[float]) -> str:
    return (
        f"{median(values) * 1e3:.1f} ms (min {min(values) * 1e3:.1f}, max {max(values) * 1e3:.1f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--tiny", type=int, default=2000)
    args = parser.parse_args()

    from desktop_app.engine.executors import make_executor
    from desktop_app.engine.executors.dask_kind import set_scheduler
    from desktop_app.engine.pools import stop_process_helpers
    from desktop_app.workloads import burn_iterations, cpu_burn, square

    set_scheduler("")  # the lab's own cluster, whatever the environment says
    load_before = os.getloadavg()[0]
    two = make_executor("dask", 2)
    two.start()
    client = two._link.client
    heavy = [burn_iterations(10)] * args.tasks
    tiny = list(range(args.tiny))

    def lab(func, items) -> float:
        outcome = two.map(func, items)
        assert outcome.state == "completed" and not outcome.errors, outcome.errors
        return outcome.wall_s

    def bare(func, items) -> float:
        began = time.perf_counter()
        client.gather(client.map(func, items, pure=False))
        return time.perf_counter() - began

    try:
        lab(cpu_burn, heavy), bare(cpu_burn, heavy)  # warm both paths once
        times = alternate(
            {
                "lab cpu-10ms": lambda: lab(cpu_burn, heavy),
                "bare cpu-10ms": lambda: bare(cpu_burn, heavy),
                "serial cpu-10ms": lambda: timed(lambda: [cpu_burn(n) for n in heavy]),
                "lab tiny": lambda: lab(square, tiny),
                "bare tiny": lambda: bare(square, tiny),
            },
            args.rounds,
            mirrored=True,
        )
        scaling = _scaling(make_executor, args.rounds)
        cancels = _cancel_latency(make_executor, args.rounds)
    finally:
        two.shutdown()
        stop_process_helpers()
    load_after = os.getloadavg()[0]
    _report(times, {**scaling, **cancels}, args, load_before, load_after)
    return 0


def _scaling(make_executor, rounds: int) -> dict[str, list[float]]:
    """Seconds to scale the shared cluster 1 -> 2 and 2 -> 4 (each executor's start-up)."""
    sizes = {size: make_executor("dask", size) for size in (1, 2, 4)}
    out: dict[str, list[float]] = {"1->2": [], "2->4": []}
    try:
        for _ in range(rounds):
            sizes[1].start()
            out["1->2"].append(sizes[2].start())
            out["2->4"].append(sizes[4].start())
    finally:
        for executor in sizes.values():
            executor.shutdown()
    return out


def _cancel_latency(make_executor, rounds: int) -> dict[str, list[float]]:
    """Seconds from a cancel to the map's return (tasks that never return), and the next
    start's (the lab's cluster restarted: its workers were still running the hung tasks)."""
    import threading

    from desktop_app.engine.cancel import CancelToken
    from desktop_app.workloads import hang

    executor = make_executor("dask", 2)
    out: dict[str, list[float]] = {"cancel": [], "restart after cancel": []}
    try:
        executor.start()
        for _ in range(rounds):
            cancel, marks = CancelToken(), []

            def fire(cancel=cancel, marks=marks) -> None:
                marks.append(time.perf_counter())
                cancel.cancel()

            timer = threading.Timer(0.3, fire)
            timer.start()
            outcome = executor.map(hang, [1, 2, 3, 4], chunksize=1, cancel=cancel)
            out["cancel"].append(time.perf_counter() - marks[0])
            assert outcome.state == "cancelled", outcome.state
            out["restart after cancel"].append(executor.start())
    finally:
        executor.shutdown()
    return out


def _report(times, scaling, args, load_before: float, load_after: float) -> None:
    med = {name: median(values) for name, values in times.items()}
    serial = med["serial cpu-10ms"]
    ratio = med["lab cpu-10ms"] / med["bare cpu-10ms"]
    lines = [
        f"{args.tasks} tasks of ~10 ms on 2 workers, median of {args.rounds}:",
        f"  lab dask map  {_spread(times['lab cpu-10ms'])}  speedup {serial / med['lab cpu-10ms']:.2f}x",
        f"  bare map      {_spread(times['bare cpu-10ms'])}  speedup {serial / med['bare cpu-10ms']:.2f}x",
        f"  serial        {_spread(times['serial cpu-10ms'])}",
        f"  lab / bare    {ratio:.3f}  (target <= 1.10)",
        f"{args.tiny} tiny tasks, per task:",
        f"  lab  {med['lab tiny'] / args.tiny * 1e6:.1f} us   bare {med['bare tiny'] / args.tiny * 1e6:.1f} us",
        "scaling the lab's LocalCluster:",
        f"  1 -> 2 workers {_spread(scaling['1->2'])}",
        f"  2 -> 4 workers {_spread(scaling['2->4'])}",
        f"cancel -> map returned {_spread(scaling['cancel'])} (target 500 ms)",
        f"  then restarting the hung workers {_spread(scaling['restart after cancel'])}",
        f"load average (1 min) {load_before:.2f} before, {load_after:.2f} after",
    ]
    print("\n".join(lines))
    write_results(
        "dask_overhead",
        {
            "rounds": args.rounds,
            "tasks": args.tasks,
            "tiny": args.tiny,
            "times_s": times,
            "medians_s": med,
            "lab_over_bare_10ms": ratio,
            "per_task_us": {
                "lab": med["lab tiny"] / args.tiny * 1e6,
                "bare": med["bare tiny"] / args.tiny * 1e6,
            },
            "scaling_s": scaling,
            "load_avg_1m": {"before": load_before, "after": load_after},
        },
    )


if __name__ == "__main__":
    sys.exit(main())
