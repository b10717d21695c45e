"""Every finished run is saved to the history off the GUI thread; a failed save never fails it."""

from __future__ import annotations

from _window_helpers import run_to_end

from desktop_app.history.store import Store

SAVE_TIMEOUT_MS = 60_000


def _quick_run(qtbot, window):
    window.select_scenario("pool-timing")
    window.set_param("n", 20)
    window.set_pool_sizes((2,))
    window.set_repeats(1)
    return run_to_end(qtbot, window)


def test_a_finished_run_is_saved_and_the_status_bar_names_its_id(
    qtbot, lab_window, tmp_path, monkeypatch
):
    monkeypatch.setenv("CONCURRENCY_LAB_DATA_DIR", str(tmp_path / "data"))
    history = lab_window.history_ui
    with qtbot.waitSignal(history.listed, timeout=SAVE_TIMEOUT_MS):
        history.show()  # open while the run goes: the list follows the save
    assert history.panel.stack.currentWidget() is history.panel.empty
    with qtbot.waitSignal(lab_window.history.run_saved, timeout=SAVE_TIMEOUT_MS) as saved:
        report = _quick_run(qtbot, lab_window)
    run_id = saved.args[0]
    qtbot.waitUntil(
        lambda: [r.id for r in history.panel.model.runs()] == [run_id], timeout=SAVE_TIMEOUT_MS
    )
    (summary,) = Store(tmp_path / "data" / "history.sqlite3").list_runs()
    assert summary.id == run_id and summary.scenario == "pool-timing"
    assert summary.state == report.state == "completed"
    assert summary.params["n"] == 20
    message = lab_window.statusBar().currentMessage()
    assert message.startswith("pool-timing: completed in")
    assert f"saved to the history as run {run_id}" in message


def test_a_save_that_fails_is_a_clear_message_and_the_run_stands(
    qtbot, lab_window, tmp_path, monkeypatch
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("CONCURRENCY_LAB_DATA_DIR", str(blocker / "data"))
    with qtbot.waitSignal(lab_window.history.save_failed, timeout=SAVE_TIMEOUT_MS) as failed:
        report = _quick_run(qtbot, lab_window)
    assert report.state == "completed" and not report.errors
    assert "the run was not saved to the history" in failed.args[0]
    assert "is not a folder" in failed.args[0]
    message = lab_window.statusBar().currentMessage()
    assert message.startswith("The run was not saved to the history:")
    assert lab_window.history.last_saved_id is None
    assert lab_window.error_records() == []
    assert lab_window.last_report is report


def test_a_bug_in_a_history_call_reaches_the_error_console_with_its_traceback(qtbot, lab_window):
    def broken():
        raise KeyError("a bug in the history code")

    failures = []
    with qtbot.waitSignal(lab_window.history.calls.crashed, timeout=SAVE_TIMEOUT_MS):
        lab_window.history.calls.start(broken, lambda _r: None, failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=SAVE_TIMEOUT_MS)
    (record,) = lab_window.error_records()
    assert record.type == "KeyError" and "a bug in the history code" in record.message
    assert "in broken" in record.traceback and record.context == "run history"
    assert failures == ["KeyError: 'a bug in the history code'"]


def test_a_damaged_database_is_moved_aside_said_so_and_the_run_saved_afresh(
    qtbot, lab_window, tmp_path, monkeypatch
):
    data = tmp_path / "data"
    data.mkdir()
    (data / "history.sqlite3").write_bytes(b"not a database at all" * 100)
    monkeypatch.setenv("CONCURRENCY_LAB_DATA_DIR", str(data))
    with qtbot.waitSignal(lab_window.history.run_saved, timeout=SAVE_TIMEOUT_MS) as saved:
        _quick_run(qtbot, lab_window)
    moved = list(data.glob("history.sqlite3.damaged-*"))
    assert len(moved) == 1 and moved[0].read_bytes().startswith(b"not a database")
    message = lab_window.statusBar().currentMessage()
    assert "is not an SQLite database" in message and str(moved[0]) in message
    assert any("Run history:" in line for line in lab_window.ui.output.lines())
    lab_window.history_ui.show()
    model = lab_window.history_ui.panel.model
    qtbot.waitUntil(
        lambda: [run.id for run in model.runs()] == [saved.args[0]], timeout=SAVE_TIMEOUT_MS
    )


def test_the_window_imports_no_store_numpy_or_sqlite_before_its_first_paint():
    """The history is imported where used: the window's import stays as light as before."""
    import os
    import subprocess
    import sys

    code = (
        "import sys, desktop_app.ui.main_window; "
        "print(sorted(m for m in ('numpy', 'sqlite3', 'pyqtgraph', 'desktop_app.history.store')"
        " if m in sys.modules))"
    )
    # not under coverage (CI measures child processes): coverage's own data file is SQLite
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE")}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_cancelled_run_is_saved_as_cancelled(qtbot, lab_window, tmp_path, monkeypatch):
    monkeypatch.setenv("CONCURRENCY_LAB_DATA_DIR", str(tmp_path / "data"))
    lab_window.select_scenario("pool-timing")
    lab_window.set_param("workload", "cpu")
    lab_window.set_param("n", 200)
    lab_window.set_pool_sizes((2,))
    with qtbot.waitSignal(lab_window.history.run_saved, timeout=SAVE_TIMEOUT_MS) as saved:
        with qtbot.waitSignal(lab_window.run_finished, timeout=SAVE_TIMEOUT_MS) as finished:
            assert lab_window.start_run()
            lab_window.cancel_run()
    assert finished.args[0].state == "cancelled"
    summary = Store(tmp_path / "data" / "history.sqlite3").summary(saved.args[0])
    assert summary.state == "cancelled" and summary.scenario == "pool-timing"


def test_the_store_is_loaded_off_the_gui_thread_before_the_first_save(
    qtbot, lab_window, monkeypatch
):
    """Its first import took 13-26 ms on the GUI thread, inside the slot that shows a finished
    run; the window now has a pool thread load it once its views are built."""
    import threading

    from desktop_app.ui.history import run_history

    on_main: list[bool] = []
    monkeypatch.setattr(
        run_history,
        "_import_store",
        lambda: on_main.append(threading.current_thread() is threading.main_thread()),
    )
    monkeypatch.setattr(lab_window.history, "_store", None)
    lab_window.warm_up_host()  # what the window does once its views are built
    qtbot.waitUntil(lambda: bool(on_main), timeout=SAVE_TIMEOUT_MS)
    assert on_main == [False]
