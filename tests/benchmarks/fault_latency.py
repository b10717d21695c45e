"""Per fault and backend: how long from a run's start until its error reaches the consumer.

Run: python tests/benchmarks/fault_latency.py [--rounds 5]
Each cell runs the test-only ``fault-matrix`` scenario (tests/reliability/fault_scenario.py)
through ``run_scenario``, as the window does, and times run start → the ``ErrorRaised`` event
delivered to the consumer (so it includes the event sink's batching, up to 50 ms). "cold" is
the first run on a fresh PoolManager (pool start-up included); "warm" rounds follow a clean
run on the same PoolManager, so a pool rebuilt after a death is started before the clock.
The hang is stopped by a 1 s run timeout, so its figure is that timeout plus the kill.
Writes tests/benchmarks/results/fault_latency.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reliability"))

from _bench_util import median, write_results
from fault_scenario import BACKENDS, FAULTS, fault_scenario_registered

from desktop_app import workloads
from desktop_app.engine.context import run_scenario
from desktop_app.engine.events import ErrorRaised
from desktop_app.engine.pools import PoolManager

HANG_TIMEOUT_S = 1.0
WHOLE_PROCESS = {"exit", "kill", "segfault"}  # in a thread these end the benchmark itself


def timed_run(scenario, pools, fault: str, backend: str) -> tuple[float | None, str, list[str]]:
    """(seconds from run start to the first error delivered, or None; state; record types)."""
    seen: list[float] = []

    def consumer(batch) -> None:
        if not seen and any(isinstance(event, ErrorRaised) for event in batch):
            seen.append(time.perf_counter())

    began = time.perf_counter()
    report = run_scenario(
        scenario,
        scenario.resolve({"fault": fault, "backend": backend}),
        pools=pools,
        consumer=consumer,
        timeout=HANG_TIMEOUT_S if fault == "hang" else 20.0,
    )
    if fault == "hang" and backend == "threads":
        workloads.release_hung_threads()
    return (seen[0] - began if seen else None), report.state, [e.type for e in report.errors]


def measure_cell(scenario, fault: str, backend: str, rounds: int) -> dict:
    pools = PoolManager()
    try:
        cold, state, types = timed_run(scenario, pools, fault, backend)
        warm = []
        for _ in range(rounds):
            timed_run(scenario, pools, "none", backend)  # start (or rebuild) the pool first
            seconds, _, _ = timed_run(scenario, pools, fault, backend)
            if seconds is not None:
                warm.append(seconds)
    finally:
        pools.shutdown()
    return {
        "state": state,
        "records": types,
        "cold_ms": None if cold is None else round(cold * 1000, 1),
        "warm_median_ms": round(median(warm) * 1000, 1) if warm else None,
        "warm_max_ms": round(max(warm) * 1000, 1) if warm else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    cells: dict[str, dict] = {}
    with fault_scenario_registered() as scenario:
        for fault in FAULTS:
            for backend in BACKENDS:
                name = f"{fault} on {backend}"
                if backend == "threads" and fault in WHOLE_PROCESS:
                    cells[name] = {"note": "ends the whole process (see test_fault_matrix.py)"}
                    continue
                cells[name] = measure_cell(scenario, fault, backend, args.rounds)
                print(f"{name:36} {cells[name]}", file=sys.stderr)
    deaths = [
        c["warm_max_ms"]
        for n, c in cells.items()
        if n.split()[0] in WHOLE_PROCESS and c.get("warm_max_ms") is not None
    ]
    results = {
        "rounds": args.rounds,
        "hang_timeout_s": HANG_TIMEOUT_S,
        "dead_worker_worst_warm_ms": max(deaths) if deaths else None,
        "cells": cells,
    }
    print(json.dumps(results, indent=2))
    write_results("fault_latency", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
