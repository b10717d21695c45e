"""gil-interpreters: the same tasks on this interpreter and on every ticked one, each in a run
host of its own; the table and notes say what each build did and what could not be shown."""

from __future__ import annotations

import threading

import pytest
from _scenario_helpers import runner

from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.events import OutputLine
from desktop_app.engine.pythons import EXTRA_ENV, this_python
from desktop_app.scenarios import gil_interpreters

SCENARIO = gil_interpreters.SCENARIO
NONE_TICKED = {name: False for name, _, _ in gil_interpreters.FAMILIES}
QUICK = {"n": 2, "cpu_ms": 5, "io_ms": 5}
run = runner(SCENARIO, pool_sizes=(2,), repeats=1)


def _other_pythons():
    from engine import other_pythons  # tests/ is on sys.path

    return other_pythons


def test_this_interpreter_alone_fills_its_row_and_says_what_it_could_not_show(pools):
    here = this_python()
    report = run(pools, **QUICK, **NONE_TICKED)
    assert report.state == "completed", report.errors[:1]
    measured = {(e.measurement.series, e.measurement.backend) for e in report.runs}
    backends = {"serial", "threads", "processes", "asyncio"}
    if here.version[:2] >= (3, 14):
        backends.add("interpreters")
    assert measured == {(f"{s} · {here.short}", b) for s in ("cpu", "io") for b in backends}
    assert {row[0] for row in report.table_rows} == {here.short}
    assert report.table_columns[:5] == ["python", "GIL verdict", "series", "backend", "median (s)"]
    assert "repeats" in report.table_columns and "noisy" in report.table_columns
    assert len(report.table_rows) == len(measured)
    notes = "\n".join(report.notes)
    if not here.free_threaded:
        assert "No free-threaded interpreter ran here" in notes
        assert "docs/free-threading.md" in notes
        assert report.table_rows[0][1] == "GIL on (standard build)"
    if here.version[:2] < (3, 14):
        assert "Subinterpreters (InterpreterPoolExecutor) need Python 3.14" in notes
    assert f"{here.short}: 2 threads ran the CPU-bound tasks" in notes
    assert "median of 1 repeat(s)" in notes


def test_a_ticked_interpreter_runs_in_a_host_of_its_own_beside_this_one(pools):
    other = _other_pythons()
    other.needs(other.pyenv_python(12), "pyenv Python 3.12")
    if this_python().short == "3.12":
        pytest.skip("this interpreter is 3.12 already")
    report = run(pools, **QUICK, **{**NONE_TICKED, "py312": True})
    assert report.state == "completed", report.errors[:1]
    pythons = [row[0] for row in report.table_rows]
    assert pythons == sorted(pythons, key=[this_python().short, "3.12"].index)
    assert {row[1] for row in report.table_rows if row[0] == "3.12"} == {"GIL on (standard build)"}
    theirs = [e for e in report.runs if e.measurement.series.endswith("· 3.12")]
    assert {e.measurement.backend for e in theirs} == {"serial", "threads", "processes", "asyncio"}
    ours = {span.pid for e in report.runs if e not in theirs for span in e.spans}
    assert {span.pid for e in theirs for span in e.spans}.isdisjoint(ours)
    assert any(line.startswith("[3.12] 3.12 cpu: threads took") for line in report.output)


def test_a_free_threaded_build_shows_its_gil_off_verdict(pools, monkeypatch):
    other = _other_pythons()
    path = other.needs(other.free_threaded_python(), "free-threaded Python")
    monkeypatch.setenv(EXTRA_ENV, path)
    report = run(pools, **QUICK, **{**NONE_TICKED, "free_threaded": True})
    assert report.state == "completed", report.errors[:1]
    row = next(r for r in report.table_rows if r[0].endswith("t"))
    assert row[1] == "GIL off while tasks ran (free-threaded build)"
    assert "No free-threaded interpreter ran here" not in "\n".join(report.notes)


def test_a_ticked_version_that_is_not_here_is_said_plainly(pools, monkeypatch):
    from desktop_app.engine.pythons import discover

    if any(info.version[:2] == (3, 14) for info in discover()):
        pytest.skip("this machine has a Python 3.14")
    report = run(pools, **QUICK, **{**NONE_TICKED, "py314": True})
    assert "Python 3.14: ticked, but none was found on this machine." in report.notes


def test_a_cancel_during_another_interpreters_part_stops_it_and_leaves_nothing(pools, monkeypatch):
    other = _other_pythons()
    other.needs(other.pyenv_python(13), "pyenv Python 3.13")
    # this interpreter's part skipped here (the host under 3.13 runs its own, unpatched copy)
    monkeypatch.setattr(gil_interpreters, "measure_on", lambda ctx, label: None)
    cancel = CancelToken()

    def consumer(batch):
        if any(isinstance(e, OutputLine) and "Starting a run host" in e.text for e in batch):
            threading.Timer(0.5, cancel.cancel).start()  # mid-part, the host under 3.13 busy

    busy = {"n": 64, "cpu_ms": 2000, "io_ms": 2000}
    report = run(pools, cancel, consumer, **busy, **{**NONE_TICKED, "py313": True}, repeats=1)
    assert report.state == "cancelled"
    # the suite's fixture fails the test if the 3.13 host or any worker of it is left
