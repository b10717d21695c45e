"""pool-timing: the source's output lines, a serial baseline per repeat, both lessons in notes."""

from __future__ import annotations

import threading
import time

import pytest
from _scenario_helpers import runner

from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.stats import SummaryRow, cpu_count
from desktop_app.scenarios import pool_timing
from desktop_app.scenarios.base import ParamError

SCENARIO = pool_timing.SCENARIO
run = runner(SCENARIO, pool_sizes=(1, 2), repeats=2)
SQUARES = [k * k for k in range(1, 11)]


def test_squares_at_each_size_with_serial_baseline(pools):
    report = run(pools)
    assert report.state == "completed", report.errors
    doc = report.to_json()
    kinds = [(r["series"], r["backend"], r["pool_size"], r["repeat"]) for r in doc["runs"]]
    assert kinds == [
        ("square", "serial", 1, 0),
        ("square", "pool", 1, 0),
        ("square", "pool", 2, 0),
        ("square", "serial", 1, 1),
        ("square", "pool", 1, 1),
        ("square", "pool", 2, 1),
    ]
    for entry in doc["runs"]:
        assert entry["results"] == SQUARES
        assert len(entry["tasks"]) == 10
    lines = [line for line in doc["output"] if line.startswith("Pool size:")]
    assert len(lines) == 4
    assert lines[1].startswith(f"Pool size: 2 -> Results: {SQUARES}, Time taken: ")
    assert "seconds" in lines[1]
    rows = doc["table"]["rows"]
    assert doc["table"]["columns"][:3] == ["backend", "pool size", "median (s)"]
    assert [row[:2] for row in rows] == [["serial", 1], ["pool", 1], ["pool", 2]]
    assert all(row[6] is not None and row[7] is not None for row in rows)
    first_pool = [r for r in doc["runs"] if r["backend"] == "pool"][0]
    assert first_pool["startup_s"] > 0  # start-up measured apart from the map
    notes = " ".join(doc["notes"])
    assert "Overhead dominates" in notes  # ten squares are microseconds of work
    assert f"os.cpu_count() = {cpu_count()}" in notes
    assert "workload=cpu" in notes


def test_cpu_workload_keeps_the_results_and_measures_speedup(pools):
    report = run(pools, pool_sizes=(2,), repeats=1, n=4, workload="cpu", cpu_ms=5)
    assert report.state == "completed", report.errors
    doc = report.to_json()
    assert {r["series"] for r in doc["runs"]} == {"cpu"}
    assert all(r["results"] == [1, 4, 9, 16] for r in doc["runs"])
    pool_row = next(r for r in doc["summary"] if r["backend"] == "pool")
    assert pool_row["speedup"] is not None and pool_row["efficiency"] is not None
    assert any(note.startswith("Best speedup") for note in doc["notes"])
    assert not any("workload=cpu" in note for note in doc["notes"])


def _row(size: int, speedup: float) -> SummaryRow:
    return SummaryRow(
        "cpu",
        "pool",
        size,
        3,
        1.0 / speedup,
        0.9 / speedup,
        1.1 / speedup,
        0.0,
        0.1,
        speedup,
        speedup / size,
        float(min(size, 2)),
        False,
    )


def test_scaling_notes_follow_the_measured_speedups(monkeypatch):
    monkeypatch.setattr(pool_timing, "cpu_count", lambda: 2)
    close = " ".join(pool_timing._scaling_notes([_row(2, 1.9), _row(4, 1.8), _row(8, 1.7)]))
    assert "1.90× at pool size 2" in close and "comes close" in close
    assert "4: 1.80×, 8: 1.70×" in close
    slow = " ".join(pool_timing._scaling_notes([_row(2, 0.1), _row(4, 0.05)]))
    assert "slower than the plain loop" in slow and "take turns" not in slow


def test_cancel_mid_run_stops_quickly(pools):
    token = CancelToken()
    timer = threading.Timer(0.5, token.cancel)
    timer.daemon = True
    began = time.perf_counter()
    timer.start()
    try:
        report = run(
            pools, pool_sizes=(2,), repeats=1, cancel=token, n=600, workload="cpu", cpu_ms=200
        )
    finally:
        timer.cancel()
    assert report.state == "cancelled"
    # A hang guard, not a speed claim: the serial baseline alone would take 120 s.
    assert time.perf_counter() - began < 60


@pytest.mark.parametrize("setting", ["n=0", "workload=heavy", "cpu_ms=0"])
def test_bad_values_are_refused(setting):
    with pytest.raises(ParamError):
        SCENARIO.parse_settings([setting])


def test_metadata_and_code():
    assert SCENARIO.id == "pool-timing" and SCENARIO.order == 8 and SCENARIO.sweeps
    assert SCENARIO.pool_sizes == (2, 4, 8) and SCENARIO.repeats == 3
    assert SCENARIO.defaults()["n"] == 10 and SCENARIO.defaults()["workload"] == "square"
    code = SCENARIO.code()
    assert "def square" in code and "def heavy_square" in code and "multiprocessing.Pool" in code
