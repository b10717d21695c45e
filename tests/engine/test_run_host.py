"""The run host: the window's scenarios run in a process of their own, and come back as the same
batched events and report; a dead host is a failed run with a record, never a hang."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from host_probe_scenario import make_scenario

from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.events import ErrorRaised, MeasurementFinished, OutputLine, RunStarted
from desktop_app.engine.host.client import RunHost
from desktop_app.scenarios.registry import get_scenario

WAIT_S = 60.0  # a loaded 2-core machine: generous, only a hang exceeds it


@pytest.fixture
def host():
    host = RunHost()
    yield host
    host.shutdown()


def _run(host, scenario, params=None, sizes=(1,), cancel=None):
    events = []
    report = host.run(
        scenario,
        scenario.resolve(params or {}),
        pool_sizes=sizes,
        repeats=1,
        consumer=events.extend,
        cancel=cancel or CancelToken(),
    )
    return report, events


def _lines(events):
    return [e.text for e in events if isinstance(e, OutputLine)]


def _wait(condition, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_a_sweep_in_the_host_reports_like_run_scenario_and_keeps_its_pools_warm(host):
    scenario = get_scenario("pool-timing")
    report, events = _run(host, scenario, {"n": 8, "workload": "square"}, sizes=(1, 2))
    assert report.state == "completed", report.errors[:1]
    assert isinstance(events[0], RunStarted) and events[0].scenario == "pool-timing"
    measured = [e.measurement for e in events if isinstance(e, MeasurementFinished)]
    assert {(m.backend, m.pool_size) for m in measured} == {
        (m.backend, m.pool_size) for m in (r.measurement for r in report.runs)
    }
    assert host.pid not in (None, os.getpid())
    assert ("pool", 2, True) in host.describe()
    pid = host.pid
    again, _ = _run(host, scenario, {"n": 8, "workload": "square"}, sizes=(2,))
    assert again.state == "completed" and host.pid == pid  # the same host, its pool still warm
    assert all(m.startup_s == 0 for m in (r.measurement for r in again.runs) if m.backend == "pool")


def test_the_host_never_loads_qt_even_when_the_window_process_has(host):
    import PySide6.QtCore  # noqa: F401 (the window's process has Qt; the host must not)

    report, events = _run(host, make_scenario())
    assert report.state == "completed", report.errors[:1]
    assert "qt modules: []" in _lines(events)
    assert f"host pid {os.getpid()}" not in _lines(events)


def test_an_uncaught_error_on_a_host_thread_reaches_the_consumer_with_its_traceback(host):
    report, events = _run(host, make_scenario(), {"stray_error": True})
    records = [e.record for e in events if isinstance(e, ErrorRaised)]
    assert report.state == "completed"
    assert [r.type for r in records] == ["LookupError"]
    record = records[0]
    assert record.context == "run host" and "stray-thread" in record.worker
    assert "in _fail" in record.traceback and "host_probe_scenario.py" in record.traceback


def _hold_until_started(host, hold_s=30.0, cancel=None):
    """Start a long probe run on a thread; returns (thread, result box, events)."""
    box, events = {}, []

    def target():
        scenario = make_scenario()
        box["report"] = host.run(
            scenario,
            scenario.resolve({"hold_s": hold_s}),
            pool_sizes=(1,),
            repeats=1,
            consumer=events.extend,
            cancel=cancel or CancelToken(),
        )

    thread = threading.Thread(target=target, name="test-run")
    thread.start()
    _wait(lambda: any(line.startswith("qt modules") for line in _lines(list(events))))
    return thread, box, events


def test_a_killed_host_fails_the_run_with_a_record_and_the_next_run_gets_a_new_host(host):
    thread, box, events = _hold_until_started(host)
    dead_pid = host.pid
    os.kill(dead_pid, signal.SIGKILL)
    thread.join(WAIT_S)
    assert not thread.is_alive(), "the run waited on a dead host"
    report = box["report"]
    assert report.state == "failed"
    (record,) = report.errors
    assert (record.type, record.origin, record.pid, record.exitcode) == (
        "RunHostDied",
        "process",
        dead_pid,
        -signal.SIGKILL,
    )
    assert "SIGKILL" in record.message and "next run starts a new host" in record.message
    assert any(isinstance(e, ErrorRaised) and e.record == record for e in events)
    assert host.describe() == []
    again, _ = _run(host, make_scenario())
    assert again.state == "completed" and host.pid not in (None, dead_pid)


def test_cancel_reaches_the_host_and_ends_the_run(host):
    token = CancelToken()
    thread, box, _ = _hold_until_started(host, cancel=token)
    token.cancel()
    host.cancel()
    thread.join(WAIT_S)
    assert not thread.is_alive() and box["report"].state == "cancelled"


def test_shutdown_stops_the_host_for_good_and_a_later_run_fails_cleanly(host):
    report, _ = _run(host, get_scenario("process-pool"), {"n": 8}, sizes=(2,))
    assert report.state == "completed"
    pid = host.pid
    host.shutdown()
    assert host.pid is None and host.describe() == []
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    late, events = _run(host, make_scenario())
    assert late.state == "failed" and "shut down" in late.errors[0].message


def test_a_results_table_larger_than_one_part_comes_back_whole_and_in_order(host):
    from desktop_app.engine.host.protocol import TABLE_CHUNK_ROWS

    n = 2 * TABLE_CHUNK_ROWS + 7  # three parts, the last one short
    report, _ = _run(host, get_scenario("process-pool"), {"n": n, "chunksize": 500}, sizes=(2,))
    assert report.state == "completed", report.errors[:1]
    assert len(report.table_rows) == n
    assert report.table_columns[:3] == ["#", "x", "square(x)"]
    assert [row[1] for row in report.table_rows] == list(range(1, n + 1))
    assert all(row[2] == row[1] ** 2 for row in report.table_rows)


@pytest.mark.skipif(not hasattr(os, "nice"), reason="no nice() on this platform")
def test_a_niced_host_and_its_pool_workers_yield_the_cpu_to_the_window():
    import psutil

    host = RunHost(nice=7)
    try:
        scenario = get_scenario("pool-timing")
        report, _ = _run(host, scenario, {"n": 8, "workload": "square"}, sizes=(2,))
        assert report.state == "completed", report.errors[:1]
        ours = os.nice(0)
        assert psutil.Process(host.pid).nice() == min(19, ours + 7)
        workers = psutil.Process(host.pid).children(recursive=True)
        assert workers, "the host keeps its pool warm"
        assert all(worker.nice() >= min(19, ours + 7) for worker in workers)
    finally:
        host.shutdown()


def test_results_and_spans_larger_than_one_part_arrive_whole(host):
    """The host sends each run's results and spans in parts (one big unpickle held the
    window's GIL for 22-31 ms); the report the window gets has every one of them."""
    from desktop_app.engine.host.protocol import RESULT_CHUNK, SPAN_CHUNK

    n = max(2 * RESULT_CHUNK, SPAN_CHUNK) + 123
    report, _ = _run(host, get_scenario("pool-timing"), {"n": n, "workload": "square"}, sizes=(2,))
    assert report.state == "completed", report.errors[:1]
    expected = [i * i for i in range(1, n + 1)]
    assert len(report.runs) >= 2, "the serial baseline and the pool"
    for entry in report.runs:
        assert entry.results == expected, entry.measurement
        assert len(entry.spans) == n and sorted(entry.spans.task) == list(range(n))
        assert all(entry.spans.end[i] >= entry.spans.start[i] for i in range(0, n, 997))
