"""io-vs-cpu: both series on every backend (asyncio included), notes worded from the measurements, cancel."""

from __future__ import annotations

import threading
import time

import pytest
from _scenario_helpers import runner

from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.stats import SummaryRow
from desktop_app.scenarios import io_vs_cpu
from desktop_app.scenarios.base import ParamError
from desktop_app.workloads import burn_iterations

SCENARIO = io_vs_cpu.SCENARIO
BACKENDS = ("serial", "threads", "processes", "asyncio")
run = runner(SCENARIO, pool_sizes=(2,), repeats=1)


def test_both_series_on_every_backend(pools):
    report = run(pools, n=3, io_ms=20, cpu_ms=5)
    assert report.state == "completed", report.errors
    doc = report.to_json()
    runs = {(r["series"], r["backend"]): r for r in doc["runs"]}
    assert set(runs) == {(s, b) for s in ("io", "cpu") for b in BACKENDS}
    for entry in doc["runs"]:
        assert len(entry["tasks"]) == 3
        assert all(task["ok"] for task in entry["tasks"])
    assert runs[("io", "threads")]["results"] == [0.02, 0.02, 0.02]
    expected = _burn_total(burn_iterations(5))
    assert runs[("cpu", "processes")]["results"] == [expected] * 3
    assert runs[("cpu", "threads")]["results"] == [expected] * 3
    assert {(r["series"], r["backend"]) for r in doc["summary"]} == set(runs)
    assert all(r["speedup"] is not None for r in doc["summary"])
    columns = doc["table"]["columns"]
    assert columns[:3] == ["series", "backend", "median (s)"]
    assert {"repeats", "MAD (s)", "speedup", "ideal", "efficiency (%)", "noisy"} <= set(columns)
    bounds = {(r["series"], r["backend"]): r["bound"] for r in doc["summary"]}
    assert bounds[("io", "threads")] == "io" and bounds[("cpu", "threads")] == "cpu"
    assert [row[:2] for row in doc["table"]["rows"]] == [
        [s, b] for s in ("io", "cpu") for b in BACKENDS
    ]
    assert any("GIL" in note for note in doc["notes"])
    assert any(note.startswith("I/O") for note in doc["notes"])
    assert any(note.startswith("CPU") for note in doc["notes"])
    assert sum("tasks on" in line for line in doc["output"]) == 2 * len(BACKENDS)
    assert runs[("io", "asyncio")]["results"] == [0.02, 0.02, 0.02]
    assert runs[("cpu", "asyncio")]["results"] == [expected] * 3


def test_asyncio_overlaps_the_waits_and_runs_the_computing_one_after_another(pools):
    report = run(pools, n=4, io_ms=200, cpu_ms=20)
    assert report.state == "completed", report.errors
    doc = report.to_json()
    speedups = {(r["series"], r["backend"]): r["speedup"] for r in doc["summary"]}
    # Four 200 ms waits take 0.8 s one after another and about 0.4 s two at a time: 1.3 leaves
    # room for a loaded machine while still failing if the loop ran the coroutines serially.
    assert speedups[("io", "asyncio")] > 1.3
    runs = {(r["series"], r["backend"]): r for r in doc["runs"]}
    cpu = sorted(runs[("cpu", "asyncio")]["tasks"], key=lambda t: t["start_s"])
    # A computing task never awaits: each starts only after the one before it ended.
    assert all(b["start_s"] >= a["end_s"] for a, b in zip(cpu, cpu[1:], strict=False))
    assert any(note.startswith("I/O: asyncio") for note in doc["notes"])
    assert any(note.startswith("CPU: asyncio") for note in doc["notes"])


def _burn_total(iterations: int) -> int:
    """``sum(i * i % 7 for i in range(iterations))`` in closed form: i * i % 7 repeats
    0, 1, 4, 2, 2, 4, 1 (14 a cycle), so the check does not reuse the code it checks."""
    cycles, rest = divmod(iterations, 7)
    return 14 * cycles + sum((0, 1, 4, 2, 2, 4, 1)[:rest])


def test_the_closed_form_matches_a_plain_sum():
    assert [_burn_total(k) for k in range(30)] == [
        sum(i * i % 7 for i in range(k)) for k in range(30)
    ]


def _row(series: str, backend: str, speedup: float) -> SummaryRow:
    return SummaryRow(
        series, backend, 4, 1, 1.0 / speedup, 1.0, 1.0, 0.0, 0.2, speedup, speedup / 4, 2.0, False
    )


def _rows(io: tuple[float, float], cpu: tuple[float, float]) -> dict:
    rows = {}
    for series, (threads, processes) in (("io", io), ("cpu", cpu)):
        rows[(series, "serial")] = _row(series, "serial", 1.0)
        rows[(series, "threads")] = _row(series, "threads", threads)
        rows[(series, "processes")] = _row(series, "processes", processes)
    return rows


def test_notes_follow_what_was_measured(monkeypatch):
    monkeypatch.setattr(io_vs_cpu, "cpu_count", lambda: 4)  # the notes depend on the cores
    expected = _rows(io=(3.9, 3.0), cpu=(0.95, 1.9))
    io_notes = " ".join(io_vs_cpu._io_notes(expected, 8, 4))
    cpu_notes = " ".join(io_vs_cpu._cpu_notes(expected, 8, 4, 50))
    assert "3.9× faster than serial" in io_notes and "came second" in io_notes
    assert "no gain" in cpu_notes and "processes gave 1.9×" in cpu_notes

    surprising = _rows(io=(1.1, 1.2), cpu=(0.9, 0.8))
    io_notes = " ".join(io_vs_cpu._io_notes(surprising, 8, 4))
    cpu_notes = " ".join(io_vs_cpu._cpu_notes(surprising, 8, 4, 50))
    assert "only 1.10× serial" in io_notes and "did as well as threads" in io_notes
    assert "did not win this run (0.80×" in cpu_notes
    assert "processes gave" not in cpu_notes

    monkeypatch.setattr(io_vs_cpu, "cpu_count", lambda: 1)
    cpu_notes = " ".join(io_vs_cpu._cpu_notes(surprising, 8, 4, 50))
    assert "1 core(s) there is nothing to run in parallel" in cpu_notes
    assert "did not win" not in cpu_notes


def test_missing_backend_gives_no_conclusion():
    rows = _rows(io=(3.9, 3.0), cpu=(0.95, 1.9))
    del rows[("cpu", "processes")]
    assert io_vs_cpu._cpu_notes(rows, 8, 4, 50) == [
        "CPU: not every backend completed, so there is no comparison to draw."
    ]


def test_cancel_mid_run_stops_quickly(pools):
    token = CancelToken()
    timer = threading.Timer(0.5, token.cancel)
    timer.daemon = True
    began = time.perf_counter()
    timer.start()
    try:
        report = run(pools, cancel=token, n=64, io_ms=2000, cpu_ms=5)
    finally:
        timer.cancel()
    assert report.state == "cancelled"
    # A hang guard, not a speed claim: the serial waits alone would take 128 s.
    assert time.perf_counter() - began < 60


@pytest.mark.parametrize("setting", ["n=0", "n=257", "io_ms=0", "cpu_ms=2001", "cpu_ms=fast"])
def test_out_of_range_values_are_refused(setting):
    with pytest.raises(ParamError):
        SCENARIO.parse_settings([setting])


def test_metadata_and_code():
    assert SCENARIO.id == "io-vs-cpu" and SCENARIO.order == 1
    assert SCENARIO.defaults() == {"n": 8, "io_ms": 100, "cpu_ms": 50, "executor": "processes"}
    code = SCENARIO.code()
    assert "def io_wait" in code and "def cpu_burn" in code and "def compare_io_and_cpu" in code
    assert "ThreadPoolExecutor" in code and "ProcessPoolExecutor" in code


def test_asyncio_notes_follow_what_was_measured():
    rows = _rows(io=(3.9, 3.0), cpu=(0.95, 1.9))
    rows[("io", "asyncio")] = _row("io", "asyncio", 3.8)
    rows[("cpu", "asyncio")] = _row("cpu", "asyncio", 0.98)
    io_notes = " ".join(io_vs_cpu._io_notes(rows, 8, 4))
    assert "asyncio overlapped the waits too (3.8×, threads 3.9×)" in io_notes
    cpu_notes = " ".join(io_vs_cpu._cpu_notes(rows, 8, 4, 50))
    assert "asyncio gave 0.98×" in cpu_notes and "one after another" in cpu_notes
    rows[("io", "asyncio")] = _row("io", "asyncio", 1.1)
    assert "asyncio gave only 1.10×" in " ".join(io_vs_cpu._io_notes(rows, 8, 4))
    del rows[("io", "asyncio")], rows[("cpu", "asyncio")]
    assert "asyncio" not in " ".join(io_vs_cpu._io_notes(rows, 8, 4))
