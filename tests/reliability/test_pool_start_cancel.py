"""Cancel while a big pool starts (issue 20, item 4): waiting for 64 workers to be ready must
give up on a cancel, kill the workers already started and keep no half-built pool.

Before, ``start`` waited for every worker's initializer whatever happened (1.26-2.35 s for a
cancel, and close and SIGTERM waited as long). Here a cancel comes once some workers exist;
``start`` must raise ``RunCancelled`` (it used to return a full pool), leave no worker behind,
and the next ``get`` must build a whole pool. The time is a figure, the assert a hang guard;
tests/benchmarks/fault_latency.py measures cancel, close and SIGTERM in every phase.
"""

from __future__ import annotations

import threading
import time

import pytest
from _process_watch import wait_for, workers

from desktop_app import workloads
from desktop_app.engine.cancel import CancelToken, RunCancelled
from desktop_app.engine.pools import PoolManager

BIG = 64


@pytest.mark.timeout(180)
@pytest.mark.parametrize("kind", ["processes", "pool"])
def test_cancel_while_a_big_pool_starts_stops_the_start(kind, figures):
    pools = PoolManager(max_workers=BIG)
    token = CancelToken()
    pools.watch(token)
    executor = pools.get(kind, BIG)
    box: dict = {}

    def start():
        try:
            box["took"] = executor.start()
        except BaseException as exc:
            box["raised"] = exc
        box["ended"] = time.perf_counter()

    thread = threading.Thread(target=start, name="pool-start")
    try:
        thread.start()
        assert wait_for(lambda: len(workers()) >= 4, 60), "no worker started"
        cancelled = time.perf_counter()
        token.cancel()
        thread.join(60)
        assert not thread.is_alive(), "start() ignored the cancel"
        assert isinstance(box.get("raised"), RunCancelled), box
        assert not executor.warm
        assert wait_for(lambda: workers() == [], 10), workers()
        figures[f"cancel during a {BIG}-worker {kind} start"] = (
            f"start gave up {(box['ended'] - cancelled) * 1000:.0f} ms after the cancel"
        )
        pools.watch(CancelToken())
        again = pools.get(kind, 2)
        outcome = again.map(workloads.square, [3, 4])
        assert (outcome.state, outcome.results) == ("completed", [9, 16])
    finally:
        token.cancel()
        thread.join(60)
        pools.shutdown()
