"""exceptions: a record per origin with the worker's own frames, every fault, and cancel."""

from __future__ import annotations

import os
import signal
import threading

import pytest
from _scenario_helpers import runner, wait_for, workers_of_ours

from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.events import MeasurementStarted
from desktop_app.scenarios import exceptions as exc_scn
from desktop_app.scenarios.base import ParamError

SCENARIO = exc_scn.SCENARIO
run = runner(SCENARIO)

# The function that raised, for each origin: it must appear in that record's traceback.
RAISED_IN = {
    "thread": ("thread_catches_its_own", "thread_lets_it_escape"),
    "process": ("raise_in_task",),
    "future": ("failing_task",),
    "pool": ("square_fails_at_five",),
}


def assert_four_origins(report) -> None:
    by_origin = {}
    for record in report.errors:
        by_origin.setdefault(record.origin, []).append(record)
    assert set(by_origin) >= set(RAISED_IN)
    for origin, names in RAISED_IN.items():
        records = [r for r in by_origin[origin] if r.type != "WorkerDied" and r.traceback]
        for name in names:
            assert any(f"in {name}\n" in r.traceback for r in records), (origin, name)
    assert len(by_origin["thread"]) == 2  # caught in the thread, and through excepthook


def test_every_origin_reports_with_the_workers_own_frames(pools):
    report = run(pools)
    assert report.state == "completed", report.errors
    assert_four_origins(report)
    (pool_error,) = [r for r in report.errors if r.origin == "pool"]
    assert (pool_error.type, pool_error.message, pool_error.task) == (
        "ValueError",
        "Deliberate exception",
        5,
    )
    assert pool_error.pid and pool_error.pid != os.getpid()
    (process_error,) = [r for r in report.errors if r.origin == "process"]
    assert process_error.pid != os.getpid()
    out = report.output
    assert "Exception caught from task: Error in concurrent task" in out
    assert "Exception during pool execution: Deliberate exception" in out
    assert "Exception in process: Error in process" in out
    assert "Exception in thread: An error occurred in the thread" in out
    assert (
        "Results of the tasks that did not fail: [0, 1, 4, 9, 16, 'failed', 36, 49, 64, 81]" in out
    )
    assert len(report.table_rows) == len(report.errors)
    assert any(
        row[5].startswith("square_fails_at_five (workloads.py:") for row in report.table_rows
    )


def test_excepthook_is_restored(pools):
    before = threading.excepthook
    run(pools)
    assert threading.excepthook is before


@pytest.mark.parametrize(
    ("fault", "record_type", "exitcode", "state"),
    [
        ("exit", "WorkerDied", 3, "failed"),
        ("kill", "WorkerDied", -signal.SIGKILL, "failed"),
        ("hang", "TimeoutError", None, "failed"),
        ("unpicklable", "desktop_app.workloads.UnpicklableError", None, "completed"),
    ],
)
def test_each_fault_ends_with_a_clear_record_and_the_next_run_works(
    pools, fault, record_type, exitcode, state
):
    report = run(pools, fault=fault, timeout=0.5)
    assert report.state == state
    assert_four_origins(report)  # the other parts still ran
    (record,) = [r for r in report.errors if r.type == record_type]
    assert (record.origin, record.task) == ("pool", 0)
    assert record.exitcode == exitcode
    if exitcode is not None:
        assert record.pid and f"pid {record.pid}" in record.message
    if fault == "unpicklable":
        assert "in raise_unpicklable\n" in record.traceback
    assert any(line.startswith(f"Fault '{fault}': {record_type}") for line in report.output)
    again = run(pools)
    assert again.state == "completed", again.errors


def test_bad_values_are_refused():
    with pytest.raises(ParamError):
        SCENARIO.parse_settings(["fault=segfault-please"])
    with pytest.raises(ParamError):
        SCENARIO.parse_settings(["timeout=0"])


def test_cancel_during_a_hang_leaves_no_child(pools):
    token = CancelToken()

    def consumer(events):
        for event in events:
            if isinstance(event, MeasurementStarted) and event.series.startswith("fault"):
                token.cancel()

    report = run(pools, cancel=token, consumer=consumer, fault="hang", timeout=60)
    assert report.state == "cancelled"
    assert not any(r.type == "TimeoutError" for r in report.errors)
    assert wait_for(lambda: not workers_of_ours()), workers_of_ours()
