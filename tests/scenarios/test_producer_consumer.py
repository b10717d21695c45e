"""producer-consumer: the log and final list, lost updates with and without the lock, cancel."""

from __future__ import annotations

import threading

import pytest
from _scenario_helpers import runner

from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.events import OutputLine
from desktop_app.scenarios import producer_consumer
from desktop_app.scenarios.base import ParamError

SCENARIO = producer_consumer.SCENARIO
run = runner(SCENARIO)
LOST = 7  # column of "lost updates" in the table


def rows_by_phase(report):
    return {row[0]: row for row in report.table_rows}


def test_lesson_with_lock_logs_every_operation_and_empties_the_list(pools):
    report = run(pools, n=10, producer_ms=1, consumer_ms=2, race_n=300)
    assert report.state == "completed", report.errors
    assert not report.errors
    added = [line for line in report.output if line.endswith("to the list") and "Added" in line]
    removed = [line for line in report.output if "Removed" in line]
    assert [line.split("Added ")[1] for line in added] == [f"{i} to the list" for i in range(1, 11)]
    assert [line.split("Removed ")[1] for line in removed] == [
        f"{i} from the list" for i in range(1, 11)
    ]
    assert all(line.startswith("[producer] +") and " ms  " in line for line in added)
    assert "Final list (paced): []" in report.output
    rows = rows_by_phase(report)
    assert set(rows) == {"paced", "flat out"}
    paced, flat = rows["paced"], rows["flat out"]
    assert paced[2:5] == (10, 10, 0) and flat[2:5] == (300, 300, 0)
    assert paced[LOST] == 0 and flat[LOST] == 0  # the lock makes every update count
    assert flat[5] == flat[6] == 600
    assert [entry.measurement.backend for entry in report.runs] == ["threads", "threads"]


def test_without_lock_the_flat_out_phase_loses_updates(pools):
    report = run(pools, n=3, producer_ms=0, consumer_ms=0, lock=False, race_n=2000)
    assert report.state == "completed", report.errors
    flat = rows_by_phase(report)["flat out"]
    assert flat[1] == "none"
    assert flat[2] == flat[3] == 2000  # every item still went through the list...
    assert flat[LOST] > 0  # ...but the shared counter lost updates
    assert flat[6] == flat[5] - flat[LOST]
    assert any("lost update" in note and "flat out" in note for note in report.notes)


def test_race_phase_can_be_skipped(pools):
    report = run(pools, n=2, producer_ms=0, consumer_ms=0, race_n=0)
    assert list(rows_by_phase(report)) == ["paced"]


def test_bad_values_are_refused():
    with pytest.raises(ParamError):
        SCENARIO.parse_settings(["lock=maybe"])
    with pytest.raises(ParamError):
        SCENARIO.parse_settings(["n=0"])
    assert SCENARIO.parse_settings(["lock=false", "n=100000"]) == {"lock": False, "n": 100000}


def test_code_shown_is_the_code_that_runs():
    code = SCENARIO.code()
    for name in ("def producer(", "def consumer(", "def count_operation(", "time.sleep(0)"):
        assert name in code


def test_cancel_stops_the_threads(pools):
    token = CancelToken()

    def consumer(events):
        if any(isinstance(event, OutputLine) for event in events):
            token.cancel()

    report = run(pools, cancel=token, consumer=consumer, n=100_000, producer_ms=20)
    assert report.state == "cancelled"
    # 100,000 items at 20 ms would take half an hour: the threads stopped at the cancel, and
    # none is left running.
    assert not [t.name for t in threading.enumerate() if t.name in ("producer", "consumer")]
    added = [line for line in report.output if "Added" in line]
    assert 0 < len(added) < 100_000
