"""File ▸ Open run…: a saved run fills every view as the live run did, marked as saved."""

from __future__ import annotations

import pytest
from _window_helpers import run_to_end
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop_app.ui.replay import replay_events


def _views(window) -> dict:
    ui = window.ui
    timeline = ui.timeline
    counts = {}
    for label in timeline.measurement_labels():
        timeline.show_measurement(label)
        counts[label] = timeline.span_count()
    return {
        "measurements": [
            (m.series, m.backend, m.pool_size, m.repeat, m.wall_s)
            for m in ui.timing_plot.measurements()
        ],
        "timeline": counts,
        "results": ui.results.row_count(),
        "errors": [(r.type, r.message, r.task) for r in window.error_records()],
        "why": (
            [(r["backend"], r["pool_size"], r["measured_s"]) for r in ui.timing_plot.why.rows()],
            ui.timing_plot.why.words.toPlainText(),
        ),
    }


@pytest.mark.parametrize("scenario", ["exceptions", "pool-timing"])
def test_a_saved_run_opens_into_every_view_as_it_was(qtbot, lab_window, tmp_path, scenario):
    lab_window.select_scenario(scenario)
    if scenario == "pool-timing":
        lab_window.set_param("n", 30)
        lab_window.set_pool_sizes((1, 2))
        lab_window.set_repeats(2)
    report = run_to_end(qtbot, lab_window)
    qtbot.waitUntil(lambda: not lab_window.is_running())
    live = _views(lab_window)
    live_output = lab_window.ui.output.lines()
    (saved,) = lab_window.export("json", str(tmp_path / "run.json"))
    # Something else on screen first, so the replay has to fill every view itself.
    lab_window.select_scenario("process-pool")
    lab_window.set_param("n", 3)
    run_to_end(qtbot, lab_window)
    qtbot.waitUntil(lambda: not lab_window.is_running())
    with qtbot.waitSignal(lab_window.run_finished, timeout=30_000) as opened:
        assert lab_window.open_run(str(saved))
    replayed = opened.args[0]
    assert replayed.scenario == scenario and replayed.to_json() == report.to_json() | {
        "runs": replayed.to_json()["runs"]  # times are relative to the start once saved
    }
    assert _views(lab_window) == live
    if scenario == "pool-timing":  # the Why tab made again from the saved spans
        assert live["why"][0] and live["why"][1]
    lines = lab_window.ui.output.lines()
    assert lines[0].startswith("— Saved run run.json:")
    shown = lines[1 : 1 + len(report.output)]
    assert shown == report.output and all(line in live_output for line in shown)
    assert lines[1 + len(report.output)] == f"— run {report.state} in {report.duration_s:.2f} s —"
    assert lab_window.current_scenario().id == scenario
    assert lab_window.saved_run_path == str(saved)
    assert "Saved run" in lab_window.ui.controls.progress.format()
    assert "Saved run run.json" in lab_window.statusBar().currentMessage()
    assert lab_window.findChild(QAction, "export_png").isEnabled(), "a saved run can be exported"


def test_replay_sends_the_events_a_live_run_sends(tmp_path):
    from desktop_app.engine.events import MeasurementFinished, RunStarted, TasksFinished
    from desktop_app.engine.outputs.report import RunEntry, RunReport
    from desktop_app.engine.records import Measurement, SpanTable, TaskSpan

    spans = SpanTable()
    spans.append(TaskSpan(0, 5, "MainThread", 0.1, 0.2, True))
    m = Measurement("s", "pool", 2, 0, 0.1, 0.0, "completed", 1)
    report = RunReport("x", {}, (2,), 1, runs=[RunEntry(m, spans, [1])], output=["hi"])
    kinds = [type(event).__name__ for event in replay_events(report)]
    assert kinds == [
        "RunStarted",
        "MeasurementStarted",
        "TasksFinished",
        "MeasurementFinished",
        "OutputLine",
    ]
    events = replay_events(report)
    assert isinstance(events[0], RunStarted) and isinstance(events[2], TasksFinished)
    assert events[2].spans is spans and isinstance(events[3], MeasurementFinished)


def test_open_run_through_the_dialog_and_a_bad_file_is_a_message(
    qtbot, lab_window, tmp_path, monkeypatch
):
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    action = lab_window.findChild(QAction, "openRunAction")
    assert action is not None and action.isEnabled()
    action.trigger()
    qtbot.waitUntil(lambda: lab_window.findChild(QMessageBox, "exportFailedBox") is not None)
    box = lab_window.findChild(QMessageBox, "exportFailedBox")
    assert "bad.json is not a run this version can open" in box.text()
    assert lab_window.last_report is None
    box.close()
