"""History ▸ Show history and Compare: list, filter, open (replay), rename, note, delete, export,
and runs overlaid with a legend naming each and the comparison's verdicts."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QInputDialog, QMessageBox

from desktop_app.engine.outputs.report import RunEntry, RunReport
from desktop_app.engine.records import Measurement, SpanTable, TaskSpan
from desktop_app.history.store import Store

TIMEOUT_MS = 30_000
SLOW = [0.020, 0.021, 0.022, 0.023, 0.0215]
FAST = [0.010, 0.011, 0.0105, 0.012, 0.0115]


def report(walls, scenario="pool-timing", n=50, failed=False) -> RunReport:
    """A saved-run-to-be: one series at pool size 2, a few spans per repeat."""
    out = RunReport(scenario, {"n": n, "workload": "square"}, (2,), len(walls), origin=100.0)
    t = 100.0
    for repeat, wall in enumerate(walls):
        spans = SpanTable()
        for task in range(4):
            spans.append(TaskSpan(task, 4000 + task % 2, "MainThread", t, t + wall / 2, True))
            t += wall / 4
        m = Measurement("square", "pool", 2, repeat, wall, 0.001, "completed", 4)
        out.runs.append(RunEntry(m, spans, [1, 4, 9, 16]))
    out.output = ["hello from the run"]
    out.state = "failed" if failed else "completed"
    out.duration_s = t - 100.0
    return out


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("CONCURRENCY_LAB_DATA_DIR", str(tmp_path / "data"))
    return Store(tmp_path / "data" / "history.sqlite3")


@pytest.fixture
def shown(qtbot, lab_window, store):
    """The window with its History dock shown and listed."""
    ids = [
        store.save_report(report(SLOW)),
        store.save_report(report(FAST, n=60)),
        store.save_report(report(FAST[:2], scenario="exceptions", failed=True)),
    ]
    store.set_label(ids[1], "lock on")
    history = lab_window.history_ui
    with qtbot.waitSignal(history.listed, timeout=TIMEOUT_MS):
        history.show()
    return lab_window, history, ids


def _listed(qtbot, history, action) -> list[int]:
    with qtbot.waitSignal(history.listed, timeout=TIMEOUT_MS):
        action()
    return [run.id for run in history.panel.model.runs()]


def test_the_list_is_newest_first_filters_and_says_when_nothing_matches(qtbot, shown):
    window, history, ids = shown
    panel = history.panel
    assert [run.id for run in panel.model.runs()] == ids[::-1]
    assert (
        panel.model.index(0, 7).data() == "failed" and panel.model.index(1, 3).data() == "lock on"
    )
    assert panel.model.index(1, 4).data() == "n=60, workload=square"
    assert panel.model.index(0, 5).data().startswith("CPython")
    assert _listed(qtbot, history, lambda: panel.search.setText("lock")) == [ids[1]]
    assert _listed(qtbot, history, lambda: panel.search.setText("no such run")) == []
    assert panel.stack.currentWidget() is panel.empty and "No runs match" in panel.empty.text()
    panel.search.clear()
    qtbot.waitUntil(lambda: len(panel.model.runs()) == 3, timeout=TIMEOUT_MS)
    assert _listed(qtbot, history, lambda: panel.lesson.setCurrentText("exceptions")) == [ids[2]]
    assert panel.stack.currentWidget() is panel.table


def test_opening_a_saved_run_replays_it_marked_and_does_not_save_it_again(qtbot, shown, store):
    window, history, ids = shown
    history.select([ids[0]])
    with qtbot.waitSignal(history.run_opened, timeout=TIMEOUT_MS):
        history.panel.buttons["open"].click()
    assert window.current_scenario().id == "pool-timing"
    walls = sorted(m.wall_s for m in window.ui.timing_plot.measurements())
    assert walls == sorted(SLOW)
    assert window.ui.output.lines()[:2] == [
        f"— Saved run {ids[0]} (history): pool-timing completed in {window.last_report.duration_s:.2f} s —",
        "hello from the run",
    ]
    assert "Saved run" in window.ui.controls.progress.format()
    assert window.last_report.runs[0].spans.start[0] == 100.0  # the stored spans, not copies
    qtbot.waitUntil(lambda: not history.history.calls.busy(), timeout=TIMEOUT_MS)
    assert len(store.list_runs()) == 3 and history.history.last_saved_id is None


def test_rename_note_and_delete_with_confirmation(qtbot, shown, store, monkeypatch):
    window, history, ids = shown
    panel = history.panel
    history.select([ids[0]])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("baseline ✓", True))
    _listed(qtbot, history, panel.buttons["rename"].click)
    assert store.summary(ids[0]).label == "baseline ✓"
    history.select([ids[0]])
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("before upgrade", True))
    _listed(qtbot, history, panel.buttons["note"].click)
    assert store.summary(ids[0]).note == "before upgrade"
    history.select([ids[0], ids[1]])
    asked = []
    answer = QMessageBox.StandardButton.Cancel
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or answer)
    panel.buttons["delete"].click()
    assert "Delete run" in asked[0] and len(store.list_runs()) == 3  # cancelled: all kept
    answer = QMessageBox.StandardButton.Yes
    _listed(qtbot, history, panel.buttons["delete"].click)
    assert [run.id for run in store.list_runs()] == [ids[2]]
    assert [run.id for run in panel.model.runs()] == [ids[2]]
    assert "Deleted run" in window.statusBar().currentMessage()


def test_compare_overlays_each_run_with_a_legend_and_gives_the_verdicts(qtbot, shown):
    window, history, ids = shown
    history.select([ids[0], ids[1]])
    history.panel.buttons["compare"].click()
    compare = history.compare_window
    qtbot.waitUntil(lambda: compare.comparison is not None, timeout=TIMEOUT_MS)
    names = compare.legend_names()
    assert names == [f"run {ids[0]} · square (pool)", f"run {ids[1]} (lock on) · square (pool)"]
    assert compare.verdicts() == [(ids[1], "square", 2, "faster")]
    assert (
        compare.table.item(0, 9).text() == "faster"
        and compare.table.item(0, 6).text() == "0.512"  # 0.011 / 0.0215
    )
    first, second = compare.timeline_plots
    assert second.getViewBox().linkedView(0) is first.getViewBox()  # one time axis
    styles = [item.opts["pen"].style() for item in compare.plot.getPlotItem().listDataItems()]
    assert len(set(styles)) == 2, "each run has its own line style"


def test_compare_with_previous_and_export_a_report(qtbot, shown, tmp_path):
    window, history, ids = shown
    history.compare_with_previous(ids[1])
    qtbot.waitUntil(lambda: history.compare_window is not None, timeout=TIMEOUT_MS)
    compare = history.compare_window
    qtbot.waitUntil(lambda: compare.comparison is not None, timeout=TIMEOUT_MS)
    assert [run.run_id for run in compare.comparison.runs] == [ids[0], ids[1]]
    with qtbot.waitSignal(history.changed, timeout=TIMEOUT_MS):
        history.export_report([ids[0], ids[1]], str(tmp_path / "cmp.html"))
    page = (tmp_path / "cmp.html").read_text()
    assert "<svg" in page and '<td class="faster">faster</td>' in page
    with qtbot.waitSignal(history.failed, timeout=TIMEOUT_MS) as failed:
        history.compare_with_previous(ids[0])
    assert "no earlier run" in failed.args[0]
