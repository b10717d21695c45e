"""Lock events: who waited and who held, recorded by the lessons' traced locks, and lost updates.

Every check reads the recorded events of real runs (real threads, real primitives): a
Semaphore(2) never has three holders, one Lock's holds never overlap, waiting ends where the
acquisition is, and a race without the lock marks exactly as many lost updates as the counter
is short. The documents carry them (schema-valid, read back) and the trace draws them.
"""

from __future__ import annotations

import json
import math
import threading

import jsonschema
import pytest

from desktop_app.engine.context import run_scenario
from desktop_app.engine.lock_events import LockRecorder, max_holders
from desktop_app.engine.outputs.report import RunReport, schema_path
from desktop_app.engine.outputs.trace import chrome_trace
from desktop_app.scenarios.registry import get_scenario

VALIDATOR = jsonschema.Draft202012Validator(json.loads(schema_path().read_text()))


def run(scenario_id: str, **params) -> RunReport:
    scenario = get_scenario(scenario_id)
    report = run_scenario(scenario, scenario.resolve(params))
    assert report.state == "completed", report.errors
    return report


def holds_of(report: RunReport, series: str):
    (entry,) = [e for e in report.runs if e.measurement.series == series]
    assert entry.locks, f"{series} recorded no lock events"
    return entry.locks.holds


def overlaps(intervals: list[tuple[float, float]]) -> list[tuple]:
    ordered = sorted(intervals)
    return [(a, b) for a, b in zip(ordered, ordered[1:], strict=False) if b[0] < a[1]]


@pytest.fixture(scope="module")
def semaphore_report() -> RunReport:
    return run("sharing-data", tool="semaphore")


def test_a_semaphore_of_two_never_has_three_holders(semaphore_report):
    holds = holds_of(semaphore_report, "threading.Semaphore(2)")
    assert len(holds) == 6 and {h.lock for h in holds} == {"Semaphore(2)"}
    assert max_holders(holds, "Semaphore(2)") == 2  # two at once, visibly, and never three
    # Six threads want a permit held 30 ms: four of them must have waited for one.
    assert sum(h.waited > 0.01 for h in holds) >= 4
    (note,) = [n for n in semaphore_report.notes if n.startswith("threading.Semaphore(2): ")]
    assert "6 acquire(s)" in note and "at most 2 holder(s) at once" in note


def test_many_threads_on_a_semaphore_of_two_never_make_three():
    recorder = LockRecorder()
    semaphore = recorder.lock(threading.Semaphore(2), "Semaphore(2)")

    def take() -> None:
        for _ in range(30):
            with semaphore:
                pass

    threads = [threading.Thread(target=take) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    holds = recorder.log().holds
    assert len(holds) == 180
    assert max_holders(holds, "Semaphore(2)") <= 2


def test_one_locks_holds_never_overlap_and_waiting_ends_at_acquisition():
    report = run("producer-consumer", lock=True, n=5, producer_ms=1, consumer_ms=1, race_n=400)
    holds = holds_of(report, "flat out")
    assert {h.thread for h in holds} == {"producer", "consumer"}
    assert not overlaps([(h.acquired, h.released) for h in holds])
    for hold in holds:  # request, then acquisition (the end of waiting), then release
        assert hold.requested <= hold.acquired <= hold.released
        assert hold.waited == pytest.approx(hold.acquired - hold.requested)
    # No one waited past another's release: each wait ends no later than the hold before it ended.
    by_start = sorted(holds, key=lambda h: h.acquired)
    for before, after in zip(by_start, by_start[1:], strict=False):
        if after.requested < before.released:  # it asked while the other held it
            assert after.acquired >= before.released


def test_a_condition_wait_is_waiting_until_notified():
    holds = holds_of(run("sharing-data", tool="condition"), "threading.Condition")
    waiter = [h for h in holds if h.thread == "waiter"]
    publisher = [h for h in holds if h.thread == "publisher"]
    assert waiter and publisher
    longest = max(waiter, key=lambda h: h.waited)
    # The waiter waits about the publisher's 30 ms delay, and gets the lock back only once
    # the publisher has released it after notify_all().
    assert longest.waited > 0.01
    assert longest.acquired >= max(h.released for h in publisher) - 1e-6


def test_a_lock_taken_twice_shows_the_second_acquire_giving_up():
    holds = holds_of(run("sharing-data", tool="rlock"), "threading.RLock")
    gave_up = [h for h in holds if math.isnan(h.acquired)]
    assert [(h.lock, h.thread) for h in gave_up] == [("Lock", "lock-owner")]
    assert gave_up[0].waited >= 0.09  # its 100 ms timeout
    assert max_holders(holds, "RLock") == 3  # taken three times by its one owner


@pytest.mark.parametrize("scenario_id", ["producer-consumer", "sharing-data"])
def test_lost_updates_are_marked_as_many_as_the_counter_is_short(scenario_id):
    if scenario_id == "producer-consumer":
        report = run(scenario_id, lock=False, n=5, producer_ms=1, consumer_ms=1, race_n=1500)
        expected, actual = report.table_rows[-1][5], report.table_rows[-1][6]
        entry = report.runs[-1]
    else:
        report = run(scenario_id, tool="lock")
        counter = report.table_rows[0][2]  # "... counter = N (expected 800)"
        actual, expected = int(counter.split("counter = ")[1].split()[0]), 800
        entry = report.runs[0]
    assert actual < expected, "the race did not lose an update this time"
    lost = entry.locks.lost_updates
    assert sum(u.lost for u in lost) == expected - actual
    assert all(u.read <= u.write for u in lost)  # each mark spans its own read and write
    guarded = [e for e in report.runs if e.locks and e.locks.holds]
    assert all(not e.locks.lost_updates for e in guarded)  # the lock keeps every update


def test_the_json_document_carries_the_lock_events_and_reads_them_back(semaphore_report):
    race = run("producer-consumer", lock=False, n=3, producer_ms=1, consumer_ms=1, race_n=300)
    for report in (semaphore_report, race):
        doc = json.loads(report.dumps())
        VALIDATOR.validate(doc)
        assert doc == json.loads(json.dumps(report.to_json()))  # streamed as to_json says
        back = RunReport.from_json(doc)
        for entry, again in zip(report.runs, back.runs, strict=True):
            assert bool(entry.locks) == bool(again.locks)
            if entry.locks:
                assert len(again.locks.holds) == len(entry.locks.holds)
                assert len(again.locks.lost_updates) == len(entry.locks.lost_updates)
    runs = json.loads(semaphore_report.dumps())["runs"]
    hold = runs[0]["locks"]["holds"][0]
    assert hold["lock"] == "Semaphore(2)" and hold["worker"].startswith("pid ")
    assert hold["requested_s"] <= hold["acquired_s"] <= hold["released_s"]
    assert "locks" not in runs[1]  # the permit spans' own measurement traced no lock


def test_the_trace_has_a_lock_track_per_thread_with_waits_and_holds(semaphore_report):
    events = chrome_trace(semaphore_report)["traceEvents"]
    tracks = {e["args"]["name"] for e in events if e["name"] == "thread_name"}
    assert {f"permit-{i}: Semaphore(2)" for i in range(6)} <= tracks
    holds = [e for e in events if e.get("cat") == "lock" and e["name"] == "hold Semaphore(2)"]
    waits = [e for e in events if e.get("cat") == "lock" and e["name"] == "wait Semaphore(2)"]
    assert len(holds) == 6 and len(waits) >= 4
    edges = sorted((t, step) for e in holds for t, step in ((e["ts"], 1), (e["ts"] + e["dur"], -1)))
    running = [sum(step for _, step in edges[: i + 1]) for i in range(len(edges))]
    assert max(running) == 2


def test_the_history_keeps_the_lock_events_of_a_saved_run(tmp_path, semaphore_report):
    from desktop_app.history.store import Store

    store = Store(tmp_path / "history.db")
    run_id = store.save_report(semaphore_report)
    doc = store.load(run_id).to_json()
    VALIDATOR.validate({key: value for key, value in doc.items() if key != "origin"})
    again = RunReport.from_json(doc)
    assert max_holders(again.runs[0].locks.holds, "Semaphore(2)") == 2
    assert doc["runs"][0]["locks"] == json.loads(semaphore_report.dumps())["runs"][0]["locks"]
