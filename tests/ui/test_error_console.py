"""The error console and the app's excepthooks: every error visible, filterable, copyable."""

from __future__ import annotations

import os
import re
import sys
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desktop_app.engine.context import run_scenario
from desktop_app.engine.executors import error_origins
from desktop_app.engine.pools import PoolManager
from desktop_app.engine.records import ErrorRecord
from desktop_app.scenarios.exceptions import SCENARIO
from desktop_app.ui.excepthooks import ExceptionRelay
from desktop_app.ui.panels.error_console import MAX_ROWS, ErrorConsole

ORIGINS = error_origins()  # every kind of worker the registry knows


def record(origin: str, index: int = 0) -> ErrorRecord:
    return ErrorRecord(
        origin=origin,
        type="ValueError",
        message=f"bad value {index} from a {origin}",
        traceback=f'Traceback (most recent call last):\n  File "w.py", line 3, in work_{origin}\nValueError: bad\n',
        worker=f"pid 42 worker-{origin}",
    )


@pytest.fixture
def console(qtbot):
    widget = ErrorConsole()
    qtbot.addWidget(widget)
    return widget


def test_records_show_with_expandable_tracebacks(console, qtbot):
    with qtbot.waitSignal(console.count_changed, timeout=1000) as blocker:
        console.add_records([record(o) for o in ORIGINS])
    assert blocker.args == [len(ORIGINS)] and console.count() == len(ORIGINS)
    item = console.tree.topLevelItem(2)
    assert [item.text(c) for c in (1, 2)] == [ORIGINS[2], "ValueError"]
    assert item.childCount() == 1 and f"in work_{ORIGINS[2]}" in item.child(0).text(0)


def test_filter_by_origin_and_clear(console, qtbot):
    console.add_records([record(o, i) for i, o in enumerate(ORIGINS * 2)])
    console.set_origin_filter("pool")
    assert [r.origin for r in console.visible_records()] == ["pool", "pool"]
    console.set_origin_filter("")
    assert len(console.visible_records()) == 2 * len(ORIGINS)
    with qtbot.waitSignal(console.count_changed, timeout=1000) as blocker:
        console.clear()
    assert blocker.args == [0] and console.records() == [] and console.tree.topLevelItemCount() == 0


def test_copy_traceback_puts_header_and_traceback_on_the_clipboard(console):
    console.add_records([record("process")])
    assert console.copy_selected() == ""  # nothing selected: nothing copied
    console.tree.setCurrentItem(console.tree.topLevelItem(0).child(0))  # the traceback row
    text = console.copy_selected()
    assert text.startswith("[process] ValueError: bad value 0 from a process")
    assert "in work_process" in text and QGuiApplication.clipboard().text() == text


def test_a_flood_of_records_is_kept_but_not_all_listed(console):
    console.add_records([record("pool", i) for i in range(MAX_ROWS + 500)])
    assert console.count() == MAX_ROWS + 500
    assert console.tree.topLevelItemCount() == MAX_ROWS


def test_the_window_counts_errors_in_its_tab(lab_window):
    lab_window.add_error_record(record("thread"))
    lab_window.add_error_record(record("pool"))
    tabs = lab_window.ui.tabs
    assert tabs.tabText(tabs.indexOf(lab_window.ui.errors)) == "Errors (2)"
    assert [r.origin for r in lab_window.error_records()] == ["thread", "pool"]


def raise_from_a_helper_thread() -> None:
    raise KeyError("lost in a thread")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_excepthooks_relay_uncaught_errors_and_chain(qtbot, console):
    relay = ExceptionRelay()
    relay.error_caught.connect(lambda r: console.add_records([r]))
    chained = []
    previous_sys, previous_threading = sys.excepthook, threading.excepthook
    sys.excepthook = lambda *args: chained.append("sys")
    threading.excepthook = lambda args: chained.append("threading")
    try:
        relay.install()
        try:
            raise ZeroDivisionError("in a slot")
        except ZeroDivisionError:
            sys.excepthook(*sys.exc_info())
        thread = threading.Thread(target=raise_from_a_helper_thread, name="helper")
        thread.start()
        thread.join(10)
        qtbot.waitUntil(lambda: console.count() == 2, timeout=5000)
        relay.uninstall()
        assert sys.excepthook is not relay._sys_hook
    finally:
        sys.excepthook, threading.excepthook = previous_sys, previous_threading
    first, second = console.records()
    assert (first.type, first.origin) == ("ZeroDivisionError", "thread")
    assert "raise ZeroDivisionError" in first.traceback
    assert second.type == "KeyError" and "raise_from_a_helper_thread" in second.traceback
    assert "helper" in second.worker
    assert chained == ["sys", "threading"]


def test_context_menu_offers_copy(console, qtbot, monkeypatch):
    console.add_records([record("thread")])
    shown = []
    monkeypatch.setattr(
        "desktop_app.ui.panels.error_console.QMenu.popup",
        lambda menu, pos: shown.append([a.text() for a in menu.actions()]),
    )
    rect = console.tree.visualItemRect(console.tree.topLevelItem(0))
    console.tree.customContextMenuRequested.emit(rect.center())
    assert shown and "Copy traceback" in shown[0]
    assert console.tree.currentItem() is console.tree.topLevelItem(0)
    (shown,) = console.records()
    assert console.tree.topLevelItem(0).data(0, Qt.ItemDataRole.UserRole) == shown


def test_rows_of_real_process_and_pool_errors_show_the_workers_own_tracebacks(console):
    """The exceptions lesson run for real (a raising child Process, a raising Pool.map task,
    then a SIGKILLed pool worker): each row names its origin, type, message and worker process,
    and its traceback row holds the frames of the process that raised."""
    pools = PoolManager()
    try:
        raised = run_scenario(SCENARIO, SCENARIO.resolve({}), pools=pools)
        killed = run_scenario(SCENARIO, SCENARIO.resolve({"fault": "kill"}), pools=pools)
    finally:
        pools.shutdown()
    records = [r for r in raised.errors if r.origin in ("process", "pool")]
    records += [r for r in killed.errors if r.type == "WorkerDied"]
    console.add_records(records)
    rows = {}
    for index in range(console.tree.topLevelItemCount()):
        item = console.tree.topLevelItem(index)
        cells = [item.text(column) for column in range(5)]
        rows.setdefault((cells[1], cells[2]), []).append((cells, item.child(0).text(0)))
    assert set(rows) == {("process", "ValueError"), ("pool", "ValueError"), ("pool", "WorkerDied")}

    ((cells, trace),) = rows[("process", "ValueError")]
    assert cells[3] == "Error in process" and "failing-process" in cells[4]
    assert "in raise_in_task" in trace and trace.endswith("ValueError: Error in process")

    ((cells, trace),) = rows[("pool", "ValueError")]
    assert cells[3] == "Deliberate exception"
    assert _pid_in(cells[4]) not in (None, os.getpid()), cells[4]
    assert "in square_fails_at_five" in trace and trace.endswith("ValueError: Deliberate exception")

    ((cells, trace),) = rows[("pool", "WorkerDied")]
    assert cells[4].endswith("(exit -9)") and "SIGKILL" in cells[3], cells
    assert _pid_in(cells[4]) not in (None, os.getpid()), cells[4]


def _pid_in(text: str) -> int | None:
    match = re.search(r"pid (\d+)", text)
    return int(match[1]) if match else None
