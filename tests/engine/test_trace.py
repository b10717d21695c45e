"""The Chrome/Perfetto trace of a run: a track per worker, an X event per task, errors."""

from __future__ import annotations

import json

import pytest

from desktop_app.engine.context import run_scenario
from desktop_app.engine.outputs.report import RunEntry, RunReport
from desktop_app.engine.outputs.trace import chrome_trace, write_trace
from desktop_app.engine.pools import PoolManager
from desktop_app.engine.records import ErrorRecord, Measurement, SpanTable, TaskSpan
from desktop_app.scenarios.registry import get_scenario


@pytest.fixture(scope="module")
def pool_report() -> RunReport:
    """A real process-pool run (the pools are shut down before any test looks at it)."""
    scenario = get_scenario("process-pool")
    pools = PoolManager()
    try:
        params = scenario.resolve({"n": 40})
        return run_scenario(scenario, params, pool_sizes=(2,), pools=pools, timeout=60)
    finally:
        pools.shutdown()


def _by_phase(trace: dict, phase: str) -> list[dict]:
    return [event for event in trace["traceEvents"] if event["ph"] == phase]


def test_real_run_has_a_track_per_worker_and_an_event_per_task(pool_report, tmp_path):
    assert pool_report.state == "completed"
    path = tmp_path / "run.trace.json"
    write_trace(pool_report, path)
    trace = json.loads(path.read_text())
    spans = [span for entry in pool_report.runs for span in entry.spans]
    tasks = _by_phase(trace, "X")
    assert len(tasks) == len(spans) == 40
    workers = {(span.pid, span.thread) for span in spans}
    thread_names = [e for e in _by_phase(trace, "M") if e["name"] == "thread_name"]
    assert len(thread_names) == len(workers)
    process_names = [e for e in _by_phase(trace, "M") if e["name"] == "process_name"]
    assert {e["pid"] for e in process_names} == {pid for pid, _ in workers}
    for event in tasks:
        assert event["ts"] >= 0 and event["dur"] >= 0
        assert event["args"]["measurement"] == "square: pool × 2, repeat 1"
        assert event["args"]["cpu_ms"] >= 0  # the worker's thread CPU time, per task
    assert {e["tid"] for e in _by_phase(trace, "C")} == {e["tid"] for e in tasks}
    first = min(spans, key=lambda s: s.start)
    assert min(e["ts"] for e in tasks) == pytest.approx(
        (first.start - pool_report.origin) * 1e6, abs=1
    )


def test_threads_get_their_own_tids_and_errors_become_instant_events():
    origin = 50.0
    spans = SpanTable()
    spans.append(TaskSpan(0, 7, "worker-a", origin + 0.001, origin + 0.002, True))
    spans.append(TaskSpan(1, 7, "worker-b", origin + 0.001, origin + 0.003, False))
    spans.append(TaskSpan(2, 8, "MainThread", origin + 0.002, origin + 0.004, True))
    measurement = Measurement("io", "threads", 2, 0, 0.004, 0.0, "failed", 3)
    report = RunReport(
        "exceptions",
        {},
        (2,),
        1,
        state="failed",
        origin=origin,
        duration_s=0.01,
        runs=[RunEntry(measurement, spans, [None] * 3)],
    )
    report.errors.append(
        ErrorRecord(
            "thread",
            "ValueError",
            "boom",
            "Traceback ...",
            task=1,
            context="io: threads × 2, repeat 1",
        )
    )
    report.errors.append(ErrorRecord("pool", "BrokenProcessPool", "worker died", ""))
    trace = chrome_trace(report)
    tasks = _by_phase(trace, "X")
    assert len(tasks) == 3
    tids = {(e["pid"], e["tid"]) for e in tasks}
    assert len(tids) == 3 and (8, 8) in tids, "a main thread's tid is its pid"
    assert [e["dur"] for e in tasks] == pytest.approx([1000, 2000, 2000])
    instants = _by_phase(trace, "i")
    on_track = next(e for e in instants if e["pid"] == 7)
    assert on_track["ts"] == pytest.approx(3000)
    untasked = next(e for e in instants if e["args"]["type"] == "BrokenProcessPool")
    assert 0 <= untasked["ts"] <= 0.01 * 1e6
    names = _names(trace)
    assert names[("process_name", untasked["pid"])] == "Errors (no task)", "a named track"
    assert names[("thread_name", untasked["pid"])] == "errors"
    json.dumps(trace)  # serialisable as is


def _names(trace: dict) -> dict[tuple[str, int], str]:
    return {
        (e["name"], e["pid"]): e["args"]["name"]
        for e in _by_phase(trace, "M")
        if "name" in e["args"]
    }


def _sort_order(trace: dict) -> list[int]:
    """Process ids in the order Perfetto shows them (process_sort_index)."""
    order = {
        e["pid"]: e["args"]["sort_index"]
        for e in _by_phase(trace, "M")
        if e["name"] == "process_sort_index"
    }
    return sorted(order, key=order.__getitem__)


def test_tracks_are_host_first_then_workers_by_first_task_and_failures_stand_out():
    origin = 5.0
    spans = SpanTable()
    spans.append(TaskSpan(0, 300, "MainThread", origin + 0.002, origin + 0.003, True))
    spans.append(TaskSpan(1, 200, "MainThread", origin + 0.001, origin + 0.002, False))
    spans.append(TaskSpan(2, 100, "worker-b", origin + 0.004, origin + 0.005, True))
    spans.append(TaskSpan(3, 100, "worker-a", origin + 0.003, origin + 0.004, True))
    measurement = Measurement("io", "threads", 2, 0, 0.004, 0.0, "failed", 4)
    report = RunReport("x", {}, (2,), 1, origin=origin, runs=[RunEntry(measurement, spans, [])])
    report.environment["pid"] = 100  # the host ran the threads
    trace = chrome_trace(report)
    names = _names(trace)
    assert names[("process_name", 100)] == "run host (pid 100)"
    assert "worker" not in names[("process_name", 100)]
    assert names[("process_name", 200)] == "worker process 200"
    assert _sort_order(trace) == [100, 200, 300], "host, then workers by their first task"
    assert ("process_name", 0) not in names, "no errors track without untasked errors"
    threads = {
        e["tid"]: e["args"]["sort_index"]
        for e in _by_phase(trace, "M")
        if e["name"] == "thread_sort_index" and e["pid"] == 100
    }
    thread_names = {
        e["tid"]: e["args"]["name"]
        for e in _by_phase(trace, "M")
        if e["name"] == "thread_name" and e["pid"] == 100
    }
    assert [thread_names[t] for t in sorted(threads, key=threads.__getitem__)] == [
        "worker-a",
        "worker-b",
    ]
    failed = [e for e in _by_phase(trace, "X") if not e["args"]["ok"]]
    assert [e["name"] for e in failed] == ["FAILED task 1"] and failed[0]["cname"] == "terrible"
    assert trace == chrome_trace(report), "the same run gives the same trace"
