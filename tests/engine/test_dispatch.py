"""The dispatch loop every pooled kind shares (executors/base.py ``_Dispatch``): how many chunks
are in flight, and that the next chunk goes out before a finished one is collected.

Both matter to throughput (issue 14, docs/benchmarks.md "Round 5"): with too few chunks in
flight, or the next one sent only after the parent had unpickled the last, workers sat idle
while the parent's pipe feeder waited for the GIL.
"""

from __future__ import annotations

import threading

import pytest

from desktop_app import workloads
from desktop_app.engine.executors import base, make_executor


@pytest.fixture
def logged(monkeypatch):
    """A thread executor whose submits and collects are logged in order, with the number of
    chunks in flight (submitted, not yet finished) after each round of submits."""
    events: list[tuple[str, int]] = []
    lock = threading.Lock()
    real_collect, real_more = base._Dispatch._collect, base._Dispatch._submit_more

    def collect(self, future, first, size):
        with lock:
            events.append(("collect", first))
        real_collect(self, future, first, size)

    def submit_more(self, chunks, pending, arrivals, limit):
        real_more(self, chunks, pending, arrivals, limit)
        with lock:
            events.append(("in flight", len(pending)))

    monkeypatch.setattr(base._Dispatch, "_collect", collect)
    monkeypatch.setattr(base._Dispatch, "_submit_more", submit_more)
    executor = make_executor("threads", 2)
    real_submit = executor._submit

    def submit(func, first, items):
        with lock:
            events.append(("submit", first))
        return real_submit(func, first, items)

    monkeypatch.setattr(executor, "_submit", submit)
    executor.start()
    yield executor, events
    executor.shutdown()


def test_a_map_at_the_default_chunksize_is_sent_whole_at_its_start(logged):
    """Four chunks a worker, as ``Pool.map`` cuts them: every one is submitted before the first
    is collected, as a bare ``Pool.map`` writes every chunk at once."""
    executor, events = logged
    waits = [0.003] * 16  # eight chunks of two 3 ms waits: results arrive while others run
    outcome = executor.map(workloads.io_wait, waits)
    assert outcome.state == "completed" and len(outcome.spans) == 16
    kinds = [kind for kind, _ in events if kind != "in flight"]
    assert kinds[:8] == ["submit"] * 8 and kinds[8:] == ["collect"] * 8


def test_chunks_in_flight_stay_bounded_and_the_next_goes_out_before_a_collect(logged):
    executor, events = logged
    chunk = 10
    outcome = executor.map(workloads.square, list(range(40 * chunk)), chunksize=chunk)
    assert outcome.state == "completed" and len(outcome.spans) == 40 * chunk
    limit = base.IN_FLIGHT_PER_WORKER * executor.pool_size
    assert max(n for kind, n in events if kind == "in flight") == limit
    # Before the k-th collect, every chunk whose room the first k arrivals freed was sent:
    # at least limit + k submits (or all 40), whatever order the chunks finished in.
    submits = collects = 0
    for kind, _ in events:
        if kind == "submit":
            submits += 1
        elif kind == "collect":
            collects += 1
            assert submits >= min(40, limit + collects), (submits, collects)
