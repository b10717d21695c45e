"""The window's serial baseline runs one task after another in a worker process of its own."""

from __future__ import annotations

import os

from desktop_app import workloads
from desktop_app.engine.pools import PoolManager


def test_isolated_serial_runs_in_one_other_process_in_order():
    pools = PoolManager(isolate_serial=True)
    try:
        executor = pools.get("serial", 4)
        assert (executor.kind, executor.pool_size) == ("serial", 1)
        executor.start()
        outcome = executor.map(workloads.square, list(range(1, 21)), chunksize=5)
        assert outcome.state == "completed"
        assert outcome.results == [x * x for x in range(1, 21)]
        spans = sorted(outcome.spans, key=lambda span: span.task)
        assert {span.pid for span in spans} != {os.getpid()} and len({s.pid for s in spans}) == 1
        assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
        assert pools.get("serial", 1) is executor  # warm, reused
    finally:
        pools.shutdown()


def test_serial_stays_in_this_process_by_default():
    pools = PoolManager()
    try:
        executor = pools.get("serial", 1)
        executor.start()
        outcome = executor.map(workloads.square, [1, 2, 3])
        assert outcome.results == [1, 4, 9]
        assert {span.pid for span in outcome.spans} == {os.getpid()}
    finally:
        pools.shutdown()
