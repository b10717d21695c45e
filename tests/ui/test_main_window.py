"""The main window end to end: every scenario runs, errors land, cancel, close, export."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import psutil
import pytest
from _process_roles import is_mp_helper, is_run_host
from _window_helpers import RUN_TIMEOUT_MS, run_to_end
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget
from scenarios.scenario_params import QUICK  # per-scenario settings: tests/scenarios/

from desktop_app.scenarios.base import ParamError
from desktop_app.scenarios.registry import all_scenarios
from desktop_app.ui.bridge import RunWorker

OBJECT_NAMES = (
    "scenarioList",
    "poolSizeSlider",
    "runButton",
    "cancelButton",
    "progressBar",
    "timingPlot",
    "taskTimeline",
    "cpuView",
    "errorConsole",
    "outputView",
    "resultsTable",
)
# The worker function that raised, per origin: it must be in that record's traceback.
RAISED_IN = {
    "thread": "thread_lets_it_escape",
    "process": "raise_in_task",
    "future": "failing_task",
    "pool": "square_fails_at_five",
}


def pool_workers() -> list[psutil.Process]:
    """The processes a run started (under the run host): not the host, nor multiprocessing's
    helpers."""
    me = psutil.Process()
    found = []
    for child in me.children(recursive=True):
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                continue
        except psutil.NoSuchProcess:
            continue
        if not is_mp_helper(child) and not is_run_host(child, me.pid):
            found.append(child)
    return found


def test_stable_object_names(lab_window):
    for name in OBJECT_NAMES:
        assert lab_window.findChild(QWidget, name) is not None, name
    action = lab_window.findChild(QAction, "exportAction")
    assert action is not None and action.shortcut().toString() == "Ctrl+E"
    assert lab_window.run_action.shortcut().toString() == "Ctrl+R"
    assert lab_window.cancel_action.shortcut().toString() == "Esc"


def test_status_bar_shows_the_environment(lab_window):
    text = lab_window.statusBar().environment_label.text()
    for part in ("Python", "cores", "start method forkserver", "GIL"):
        assert part in text


def test_slider_reaches_twice_the_cores_and_marks_them(lab_window):
    slider = lab_window.findChild(QWidget, "poolSizeSlider")
    cores = psutil.cpu_count() or 1
    assert slider.minimum() == 1 and slider.maximum() >= max(16, 2 * cores)
    assert slider.tickInterval() == cores


def test_in_a_sweep_the_slider_sets_the_largest_size(qtbot, lab_window):
    lab_window.select_scenario("pool-timing")
    slider = lab_window.findChild(QWidget, "poolSizeSlider")
    sizes = lab_window.findChild(QWidget, "poolSizesEdit")
    assert slider.isVisible() and sizes.isVisible()
    lab_window.set_pool_sizes((2, 4, 8))
    assert slider.value() == 8  # the field drives the slider
    slider.setValue(6)  # dragging trims the sweep ...
    assert sizes.text() == "2, 4, 6"
    slider.setValue(16)  # ... or extends it
    assert sizes.text() == "2, 4, 6, 16"
    sizes.setText("1, 3, 32")  # past the slider's range: the slider follows
    assert slider.value() == 32 and sizes.text() == "1, 3, 32"
    lab_window.select_scenario("process-pool")
    assert not sizes.isVisible() and slider.isVisible()  # one pool, the slider's size


@pytest.mark.parametrize("scenario", [s.id for s in all_scenarios()])
def test_every_scenario_runs_from_the_window(qtbot, lab_window, scenario):
    lab_window.select_scenario(scenario)
    assert lab_window.current_scenario().id == scenario
    assert "def " in lab_window.ui.info.code.toPlainText()
    for name, value in QUICK[scenario].items():
        lab_window.set_param(name, value)
    if lab_window.current_scenario().sweeps:
        lab_window.set_pool_sizes((1, 2))
    lab_window.set_repeats(1)
    report = run_to_end(qtbot, lab_window)
    assert report.scenario == scenario and lab_window.last_report is report
    assert report.state == "completed", [(e.type, e.message) for e in report.errors]
    assert not lab_window.is_running()
    assert lab_window.ui.results.row_count() == len(report.table_rows)
    assert "— run completed in" in lab_window.ui.output.toPlainText()
    if any(len(entry.spans) for entry in report.runs):
        assert lab_window.ui.timeline.measurement_labels()
    assert lab_window.findChild(QWidget, "runButton").isEnabled()


def test_exceptions_fill_the_console_from_every_origin(qtbot, lab_window):
    lab_window.select_scenario("exceptions")
    lab_window.set_param("fault", "none")
    run_to_end(qtbot, lab_window)
    records = lab_window.error_records()
    for origin, function in RAISED_IN.items():
        tracebacks = [r.traceback for r in records if r.origin == origin]
        assert tracebacks, origin
        assert any(function in text for text in tracebacks), (origin, function)
    tab = lab_window.ui.tabs.tabText(lab_window.ui.tabs.indexOf(lab_window.ui.errors))
    assert tab == f"Errors ({len(records)})"


def test_a_second_run_is_refused_while_one_runs(qtbot, lab_window):
    lab_window.select_scenario("pool-timing")
    lab_window.set_param("workload", "cpu")
    lab_window.set_param("n", 40)
    lab_window.set_pool_sizes((2,))
    with qtbot.waitSignal(lab_window.run_finished, timeout=RUN_TIMEOUT_MS):
        assert lab_window.start_run()
        assert lab_window.is_running()
        assert lab_window.start_run() is False
        assert "in progress" in lab_window.last_refusal
        assert not lab_window.findChild(QWidget, "runButton").isEnabled()
        lab_window.cancel_run()


def test_the_finished_runs_report_is_shown_before_the_next_run_can_start(
    qtbot, lab_window, monkeypatch
):
    """The window shows a finished run in two turns of the event loop (its last frame, then
    its report): between them it is still busy, so a new run cannot meet the old report."""
    lab_window.select_scenario("pool-timing")
    lab_window.set_param("workload", "square")
    lab_window.set_param("n", 20)
    lab_window.set_pool_sizes((2,))
    seen = []
    real_start = RunWorker.start

    def start_with_probe(worker: RunWorker) -> None:
        # Queued right behind the window's own slot for the worker's report: connected after
        # the window's connections and before the worker's thread exists, so even a run that
        # ends at once cannot emit before the probe listens (connecting after start_run
        # returned missed a 20-square run on a loaded CI machine).
        worker.signals.run_finished.connect(
            lambda _report: seen.append((lab_window.is_running(), lab_window.start_run())),
            Qt.ConnectionType.QueuedConnection,
        )
        real_start(worker)

    monkeypatch.setattr(RunWorker, "start", start_with_probe)
    with qtbot.waitSignal(lab_window.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        assert lab_window.start_run()
    assert seen == [(True, False)], "still busy between the last frame and the report"
    report = blocker.args[0]
    assert report.table_rows and lab_window.ui.results.row_count() == len(report.table_rows)
    assert not lab_window.is_running()
    assert report is lab_window.last_report


def _start_long_run(qtbot, window) -> None:
    """The exceptions scenario with a pool task that never returns (for a minute)."""
    window.select_scenario("exceptions")
    window.set_param("fault", "hang")
    window.set_param("timeout", 60.0)
    assert window.start_run()
    # wait until pool workers exist, so cancel has something to kill
    qtbot.waitUntil(lambda: len(pool_workers()) >= 2, timeout=RUN_TIMEOUT_MS)


def test_cancel_stops_the_run_and_its_workers(qtbot, lab_window):
    _start_long_run(qtbot, lab_window)
    with qtbot.waitSignal(lab_window.run_finished, timeout=30_000) as blocker:
        qtbot.keyClick(lab_window, Qt.Key.Key_Escape)
    assert blocker.args[0].state == "cancelled"
    assert not lab_window.is_running()
    qtbot.waitUntil(lambda: not pool_workers(), timeout=10_000)


def test_close_during_a_run_cancels_it_and_leaves_no_worker(qtbot, lab_window):
    _start_long_run(qtbot, lab_window)
    worker = lab_window._worker
    assert lab_window.close()
    assert not lab_window.isVisible()
    assert worker.done()  # close waited for the run to end (bounded by CLOSE_WAIT_S)
    assert lab_window.host.describe() == [] and lab_window.host.pid is None
    qtbot.waitUntil(lambda: not pool_workers(), timeout=10_000)


def test_invalid_pool_sizes_disable_run_with_the_reason(qtbot, lab_window):
    lab_window.select_scenario("pool-timing")
    edit = lab_window.findChild(QWidget, "poolSizesEdit")
    run_button = lab_window.findChild(QWidget, "runButton")
    edit.setText("2, four")
    assert not run_button.isEnabled()
    assert "'four' is not a whole number" in run_button.toolTip()
    assert lab_window.start_run() is False and "four" in lab_window.last_refusal
    edit.setText("2, 65")
    assert "65 is outside 1..64" in run_button.toolTip()
    edit.setText("2, 4")
    assert run_button.isEnabled()
    with pytest.raises(ParamError):
        lab_window.set_param("n", 0)
    with pytest.raises(ParamError):
        lab_window.set_param("nope", 1)


def _export_all(qtbot, window, folder):
    window.select_scenario("pool-timing")
    window.set_param("n", 20)
    window.set_pool_sizes((1, 2))
    window.set_repeats(1)
    run_to_end(qtbot, window)
    window.ui.tabs.setCurrentWidget(window.ui.timing_plot)
    window.ui.timing_plot.refresh()
    return {
        key: window.export(key, str(folder / f"run.{key}"))
        for key in ("png", "svg", "csv", "json", "trace")
    }


def test_export_writes_every_format(qtbot, lab_window, tmp_path):
    written = _export_all(qtbot, lab_window, tmp_path)
    image = QImage(str(written["png"][0]))
    assert not image.isNull() and image.width() > 400
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 8  # axes, curves and text, not a blank canvas
    root = ET.parse(written["svg"][0]).getroot()
    assert root.tag.endswith("svg") and len(list(root.iter())) > 20
    spans_csv, summary_csv = written["csv"]
    rows = list(csv.reader(spans_csv.open()))
    assert rows[0][:4] == ["series", "backend", "pool_size", "repeat"] and len(rows) > 20
    assert len(list(csv.reader(summary_csv.open()))) >= 3
    document = json.loads(written["json"][0].read_text())
    assert document["scenario"] == "pool-timing" and document["state"] == "completed"
    trace = json.loads(written["trace"][0].read_text())
    assert trace["traceEvents"]


def test_export_dialog_remembers_the_folder_and_reports_failures(
    qtbot, lab_window, tmp_path, monkeypatch
):
    _export_all(qtbot, lab_window, tmp_path)  # a run to export
    target = tmp_path / "out" / "plot.png"
    target.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PNG image (*.png)")
    )
    with qtbot.waitSignal(lab_window.exports.export_finished) as done:
        lab_window.exports.export_with_dialog("png")
    assert done.args[0] == [target]
    assert lab_window._store.export_folder() == str(target.parent)
    # a folder that cannot be made (a file is in the way): a message, no traceback
    missing = tmp_path / "out" / "plot.png" / "run.json"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(missing), "JSON run report (*.json)")
    )
    with qtbot.waitSignal(lab_window.exports.export_failed, timeout=30_000):
        lab_window.exports.export_with_dialog("json")
    box = lab_window.findChild(QMessageBox, "exportFailedBox")
    assert box is not None and "Cannot write" in box.text()
    box.close()
