"""The fault matrix seen from the window: the error console gets the record, the next run works.

One cell per backend (plus the hang, stopped by the scenario's own timeout: the window passes
no run timeout), each through MainWindow exactly as a user runs it. The window is made after
``fault-matrix`` is registered: it lists the scenarios once, when it is built.
"""

from __future__ import annotations

import os

import pytest
from fault_scenario import fault_scenario_registered
from PySide6.QtWidgets import QWidget

RUN_TIMEOUT_MS = 90_000  # a loaded 2-core machine: the test waits for the signal, not a time
CELLS = [
    # fault, backend, record type, the worker function its traceback names ("" = none exists)
    ("exception", "threads", "ValueError", "raise_in_task"),
    ("kill", "processes", "WorkerDied", ""),
    (
        "unpicklable-exception",
        "futures",
        "desktop_app.workloads.UnpicklableError",
        "raise_unpicklable",
    ),
    ("exit", "pool", "WorkerDied", ""),
    ("segfault", "process", "WorkerDied", ""),
    ("hang", "processes", "TimeoutError", ""),
]
ORIGIN = {
    "threads": "thread",
    "processes": "process",
    "futures": "future",
    "pool": "pool",
    "process": "process",
}


@pytest.fixture(scope="module")
def fault_scenario():
    with fault_scenario_registered() as scenario:
        yield scenario


@pytest.fixture
def fault_window(fault_scenario, lab_window):
    """The suite's window, built after the fault scenario exists (argument order matters)."""
    return lab_window


def run_in_window(qtbot, window, fault: str, backend: str):
    window.select_scenario("fault-matrix")
    window.set_param("fault", fault)
    window.set_param("backend", backend)
    window.set_param("timeout", 1.0 if fault == "hang" else 20.0)
    window.set_pool_size(2)
    window.set_repeats(1)
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        assert window.start_run(), window.last_refusal
    return blocker.args[0]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("fault", "backend", "kind", "function"),
    CELLS,
    ids=[f"{fault}-{backend}" for fault, backend, *_ in CELLS],
)
def test_the_console_gets_the_record_and_the_next_run_works(
    qtbot, fault_window, fault, backend, kind, function
):
    window = fault_window
    report = run_in_window(qtbot, window, fault, backend)
    assert report.state == ("completed" if function else "failed")
    (record,) = window.error_records()
    assert (record.origin, record.type, record.task) == (ORIGIN[backend], kind, 0)
    if function:
        assert f"in {function}\n" in record.traceback
    else:
        assert record.traceback == "" and record.pid and record.pid != os.getpid()
        assert f"pid {record.pid}" in record.message
    console = window.findChild(QWidget, "errorConsole")
    assert console.records() == [record]
    row = console.tree.topLevelItem(0)
    assert [row.text(1), row.text(2)] == [ORIGIN[backend], kind]
    shown = row.child(0).text(0)  # the expandable traceback row
    assert (f"in {function}" in shown) if function else shown == "(no traceback)"

    again = run_in_window(qtbot, window, "none", backend)
    assert (again.state, again.errors, again.runs[-1].results) == ("completed", [], [49])
    assert window.error_records() == [record]  # nothing new in the console
