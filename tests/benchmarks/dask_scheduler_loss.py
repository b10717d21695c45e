"""How soon a map on a user's Dask cluster fails when its scheduler is killed (issue 18).

Usage: python tests/benchmarks/dask_scheduler_loss.py [--rounds 5]

Each round starts a cluster as a user would (``dask scheduler`` + two ``dask worker`` processes
on 127.0.0.1, the set-up of tests/engine/test_dask_user_cluster.py), maps two 30 s waits on it
with the lab's ``dask`` kind, SIGKILLs the scheduler 0.5 s in, and times the kill to the map's
return. Prints each round's state, record types and time, the median, and the load average.
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

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "engine"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    from test_dask_user_cluster import UserCluster

    from desktop_app import workloads
    from desktop_app.engine.executors import make_executor
    from desktop_app.engine.executors.dask_kind import set_scheduler

    load = os.getloadavg()[0]
    times = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as folder:
            cluster = UserCluster(Path(folder), 2)
            set_scheduler(cluster.address)
            executor = make_executor("dask", 2)
            try:
                executor.start()
                killed: list[float] = []

                def kill(cluster=cluster, killed=killed) -> None:
                    killed.append(time.perf_counter())
                    cluster.scheduler.kill()

                threading.Timer(0.5, kill).start()
                outcome = executor.map(workloads.io_wait, [30.0, 30.0], chunksize=1)
                times.append(time.perf_counter() - killed[0])
                types = [record.type for record in outcome.errors]
                print(f"{outcome.state} {types} {times[-1] * 1e3:.1f} ms", flush=True)
            finally:
                executor.shutdown()
                cluster.stop()
    print(
        f"scheduler killed -> map failed: median {statistics.median(times) * 1e3:.1f} ms "
        f"(min {min(times) * 1e3:.1f}, max {max(times) * 1e3:.1f}) of {rounds}; "
        f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
