"""process-start-join: the children's own output, their pids and spans, and cancel."""

from __future__ import annotations

import os
import threading
import time

import pytest
from _scenario_helpers import runner

from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.records import TaskSpan
from desktop_app.scenarios import process_start_join
from desktop_app.scenarios.base import ParamError

SCENARIO = process_start_join.SCENARIO
run = runner(SCENARIO)


def test_children_print_square_and_cube(pools):
    report = run(pools)
    assert report.state == "completed", report.errors
    doc = report.to_json()
    square = next(line for line in doc["output"] if line.endswith("Square: 100"))
    cube = next(line for line in doc["output"] if line.endswith("Cube: 1000"))
    assert doc["output"][-1] == "Both processes are complete."
    (entry,) = doc["runs"]
    assert (entry["series"], entry["backend"]) == ("start-join", "process")
    assert len(entry["tasks"]) == 2 and entry["results"] == [100, 1000]
    rows = doc["table"]["rows"]
    assert [row[0] for row in rows] == ["square", "cube"]
    pids = [row[1] for row in rows]
    assert len(set(pids)) == 2 and os.getpid() not in pids
    assert f"pid {pids[0]}" in square and f"pid {pids[1]}" in cube  # printed by the children
    assert [row[3] for row in rows] == [0, 0]
    assert all(row[4] <= row[5] for row in rows)
    assert len(doc["notes"]) == 2
    first, second = sorted(report.runs[-1].spans, key=lambda span: span.task)
    overlapped = min(first.end, second.end) > max(first.start, second.start)
    expected = "The two processes ran at the same time" if overlapped else "did not overlap"
    assert expected in doc["notes"][0], (overlapped, doc["notes"][0])


@pytest.mark.parametrize(
    ("starts", "expected"),
    [
        ((0.0, 0.5), "ran at the same time for 500.000 ms"),
        ((0.0, 2.0), "square finished 1000.000 ms before cube began (in the order they were"),
        ((2.0, 0.0), "cube finished 1000.000 ms before square began (the reverse of start"),
    ],
)
def test_overlap_note_reads_the_spans(starts, expected):
    square, cube = (
        TaskSpan(i, 1, name, s, s + 1.0, True)
        for i, (name, s) in enumerate(zip(("square", "cube"), starts, strict=True))
    )
    assert expected in process_start_join._overlap_note(square, cube)


def test_another_number(pools):
    report = run(pools, number=3)
    assert any(line.endswith("Square: 9") for line in report.output)
    assert any(line.endswith("Cube: 27") for line in report.output)


def test_holding_children_overlap(pools):
    report = run(pools, hold_ms=1000)
    assert report.state == "completed"
    assert report.notes[0].startswith("The two processes ran at the same time")


def test_cancel_kills_the_children(pools):
    token = CancelToken()
    timer = threading.Timer(0.5, token.cancel)
    timer.daemon = True
    began = time.perf_counter()
    timer.start()
    try:
        report = run(pools, cancel=token, hold_ms=10_000)
    finally:
        timer.cancel()
    assert report.state == "cancelled"
    # Killed, the children never woke to print (they would after 10 s).
    assert not any("Square:" in line or "Cube:" in line for line in report.output)
    assert time.perf_counter() - began < 60  # a hang guard only, not a speed claim


@pytest.mark.parametrize("setting", ["number=x", "hold_ms=-1", "hold_ms=10001"])
def test_bad_values_are_refused(setting):
    with pytest.raises(ParamError):
        SCENARIO.parse_settings([setting])


def test_metadata_and_code():
    assert SCENARIO.id == "process-start-join" and SCENARIO.order == 3
    code = SCENARIO.code()
    assert "def print_square" in code and "def print_cube" in code
    assert "Both processes are complete." in code
