"""The serial baseline runs on a thread of the process that runs the engine (the CLI's, or the
window's run host), one task after another."""

from __future__ import annotations

import os

from desktop_app import workloads
from desktop_app.engine.pools import PoolManager


def test_serial_runs_in_the_engines_own_process_in_order():
    pools = PoolManager()
    try:
        executor = pools.get("serial", 4)
        assert (executor.kind, executor.pool_size) == ("serial", 1)
        executor.start()
        outcome = executor.map(workloads.square, list(range(1, 21)), chunksize=5)
        assert outcome.results == [x * x for x in range(1, 21)]
        spans = sorted(outcome.spans, key=lambda span: span.task)
        assert {span.pid for span in spans} == {os.getpid()}
        assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
        assert pools.get("serial", 1) is executor  # warm, reused
    finally:
        pools.shutdown()
