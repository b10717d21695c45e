"""The GIL verdict: the decision with fakes, then what real runs record."""

from __future__ import annotations

import sys
import threading

import pytest

from desktop_app.engine.context import run_scenario
from desktop_app.engine.gil import (
    GilObservations,
    free_threaded_build,
    gil_enabled_now,
    summary,
    verdict,
)
from desktop_app.scenarios.registry import get_scenario


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, True), ("1", True), (0, False), (None, False), ("", False), (2, False)],
)
def test_a_free_threaded_build_is_py_gil_disabled_equal_to_1_not_merely_present(value, expected):
    assert free_threaded_build(value) is expected


def test_this_interpreter_reports_its_own_build_and_state():
    import sysconfig

    assert free_threaded_build() is (sysconfig.get_config_var("Py_GIL_DISABLED") == 1)
    check = getattr(sys, "_is_gil_enabled", None)
    assert gil_enabled_now() is (True if check is None else check())


def test_a_standard_build_is_gil_on_whatever_the_workers_say():
    out = verdict(False, True, [(1, "MainThread", True), (2, "MainThread", True)])
    assert out["free_threaded_build"] is False
    assert out["off_during_tasks"] is False
    assert out["workers_checked"] == 2 and out["workers_with_gil"] == 2
    assert out["pids_with_gil"] == [1, 2]
    assert out["summary"] == "GIL on (standard build)"


def test_a_free_threaded_build_with_every_worker_gil_off_is_off():
    out = verdict(True, False, [(1, "t1", False), (1, "t2", False), (3, "MainThread", False)])
    assert out["off_during_tasks"] is True and out["workers_with_gil"] == 0
    assert out["summary"].startswith("GIL off while tasks ran")


def test_one_worker_that_reenabled_the_gil_makes_the_run_not_gil_free():
    """An extension without free-threading support, imported by one worker's task, turns the
    GIL on in that process: the run is then not GIL-free, and the verdict names the process."""
    out = verdict(True, False, [(1, "MainThread", False), (7, "MainThread", True)])
    assert out["off_during_tasks"] is False
    assert out["pids_with_gil"] == [7]
    assert "re-enabled" in out["summary"]


def test_no_task_no_verdict_on_the_tasks():
    out = verdict(True, False, [])
    assert out["off_during_tasks"] is None and out["workers_checked"] == 0
    assert "no task ran" in out["summary"]
    assert summary(False, None, True) == "GIL on (standard build)"


def test_a_worker_seen_with_and_without_the_gil_counts_as_with():
    seen = GilObservations()
    seen.note(5, "w", False)
    seen.note(5, "w", True)
    seen.note(5, "w", False)
    seen.note(6, "w", None)  # a chunk that did not say: not an observation
    assert seen.items() == [(5, "w", True)]
    seen.clear()
    assert seen.items() == []


def test_observations_are_safe_from_many_threads():
    seen = GilObservations()
    threads = [
        threading.Thread(target=lambda k=k: [seen.note(k, str(i), False) for i in range(200)])
        for k in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen.items()) == 800


def test_a_real_run_records_the_verdict_from_its_process_and_thread_workers():
    scenario = get_scenario("io-vs-cpu")
    params = scenario.resolve({"n": 2, "io_ms": 5, "cpu_ms": 5})
    report = run_scenario(scenario, params, pool_sizes=(2,), repeats=1)
    gil = report.environment["gil"]
    # serial + 2 threads + 2 processes + the asyncio loop reported, at the least
    assert gil["workers_checked"] >= 4
    assert gil["free_threaded_build"] is free_threaded_build()
    pids = {span.pid for entry in report.runs for span in entry.spans}
    if not free_threaded_build():
        assert gil["off_during_tasks"] is False
        assert set(gil["pids_with_gil"]) == pids
    assert report.environment["executable"] == sys.executable
