"""Pool start-up by start method, crash-detection and cancel latency (issue 2's figures).

Run: python tests/benchmarks/bench_latency.py [--rounds 5]
Start-up is measured in fresh interpreters (a cold forkserver costs more than a warm one).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time

from _bench_util import median, write_results

from desktop_app import workloads
from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.executors import make_executor

_STARTUP_PROBE = """
import json, time
from desktop_app.engine.executors import make_executor
if __name__ == "__main__":
    out = {}
    for kind in ("processes", "pool"):
        first = make_executor(kind, 2)
        cold = first.start()
        second = make_executor(kind, 2)
        again = second.start()
        first.shutdown(); second.shutdown()
        out[kind] = {"first_pool_s": cold, "second_pool_s": again}
    print(json.dumps(out))
"""


def startup(method: str, rounds: int) -> dict:
    env = dict(os.environ, CONCURRENCY_LAB_START_METHOD=method)
    samples = []
    for _ in range(rounds):
        done = subprocess.run(
            [sys.executable, "-c", _STARTUP_PROBE],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        samples.append(json.loads(done.stdout))
    return {
        kind: {key: median([s[kind][key] for s in samples]) for key in samples[0][kind]}
        for kind in samples[0]
    }


def crash_latency(kind: str, rounds: int) -> float:
    """From the task's SIGKILL to the map returning with a WorkerDied record."""
    executor = make_executor(kind, 2)
    values = []
    try:
        for _ in range(rounds):
            executor.start()
            began = time.perf_counter()
            outcome = executor.map(workloads.kill_worker, [1], chunksize=1)
            assert outcome.errors[0].type == "WorkerDied"
            values.append(time.perf_counter() - began)
    finally:
        executor.shutdown()
    return median(values)


def cancel_latency(kind: str, rounds: int) -> float:
    """From cancel() to the map returning, with every busy worker killed."""
    executor = make_executor(kind, 2)
    values = []
    try:
        for _ in range(rounds):
            executor.start()
            token = CancelToken()
            stamp = {}

            def fire(stamp: dict = stamp, token: CancelToken = token) -> None:
                stamp["at"] = time.perf_counter()
                token.cancel()

            threading.Timer(0.2, fire).start()
            executor.map(workloads.hang, [1, 2, 3], chunksize=1, cancel=token)
            values.append(time.perf_counter() - stamp["at"])
    finally:
        executor.shutdown()
    return median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = {
        "startup_by_method": {m: startup(m, args.rounds) for m in ("forkserver", "spawn")},
        "crash_detection_s": {k: crash_latency(k, args.rounds) for k in ("processes", "pool")},
        "cancel_s": {k: cancel_latency(k, args.rounds) for k in ("processes", "pool")},
    }
    print(json.dumps(results, indent=2))
    write_results("latency", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
