"""Issue 13, the window's items: every view names its run or is cleared, the status bar keeps
its message whole, one error count, unused controls disabled with the reason, text reachable,
menus and habits (help, presets, resets, empty filter, closing during a run)."""

from __future__ import annotations

import pytest
from _window_helpers import run_to_end
from PySide6.QtWidgets import QLabel, QMessageBox

from desktop_app.engine.records import ErrorRecord
from desktop_app.scenarios.registry import all_scenarios, get_scenario
from desktop_app.ui.help_texts import SHORTCUTS
from desktop_app.ui.window_layout import TAB_ERRORS, TAB_TIMELINE, TAB_TIMING


def _record(message: str = "boom") -> ErrorRecord:
    return ErrorRecord(origin="thread", type="ValueError", message=message, traceback="tb")


def test_a_run_is_named_and_another_lesson_clears_its_views(qtbot, lab_window):
    lab_window.select_scenario("process-pool")
    lab_window.set_param("n", 4)
    report = run_to_end(qtbot, lab_window)
    caption = lab_window.ui.run_caption.text()
    assert "Process pool" in caption and "n=4" in caption and report.state in caption
    assert any(lab_window.run_caption in line for line in lab_window.ui.output.lines())
    assert lab_window.ui.results.row_count() > 0
    lab_window.select_scenario("pool-timing")
    assert lab_window.ui.results.row_count() == 0
    assert lab_window.ui.controls.progress.format() == "Ready"
    assert "No run of" in lab_window.ui.run_caption.text()


def test_the_caption_names_only_the_parameters_the_run_used(qtbot, lab_window):
    lab_window.select_scenario("pool-timing")
    lab_window.set_param("workload", "square")
    lab_window.set_pool_sizes((1,))
    lab_window.set_repeats(1)
    run_to_end(qtbot, lab_window)
    assert "workload=square" in lab_window.run_caption
    assert "cpu_ms" not in lab_window.run_caption


def test_output_gets_a_header_per_run(qtbot, lab_window):
    lab_window.select_scenario("thread-pool-factorial")
    lab_window.set_param("wait_ms", 0)
    run_to_end(qtbot, lab_window)
    first = lab_window.run_caption
    run_to_end(qtbot, lab_window)
    headers = [line for line in lab_window.ui.output.lines() if line.startswith("═══")]
    assert len(headers) == 2 and first in headers[0]


def test_errors_of_different_runs_sit_under_headers_naming_them(lab_window):
    console = lab_window.ui.errors
    console.begin_run("first run")
    console.add_records([_record("a"), _record("b")])
    assert console.tree.topLevelItem(0).text(1) == "thread"  # one run: no header needed
    console.begin_run("second run")
    console.add_records([_record("c")])
    texts = [console.tree.topLevelItem(i).text(0) for i in range(console.tree.topLevelItemCount())]
    assert "first run" in texts[0] and "second run" in texts[3] and len(texts) == 5
    assert console.run_count() == 1 and console.count() == 3
    assert [r.message for r in console.visible_records()] == ["a", "b", "c"]


def test_the_status_bar_message_never_runs_under_the_pool_label(qtbot, lab_window):
    lab_window.resize(1000, 650)
    status = lab_window.statusBar()
    path = "/home/someone/very/long/folder/names/for/exports/" + "x" * 80 + "/timing.png"
    status.showMessage(f"Exported timing.png to {path}", 8000)
    qtbot.wait(50)
    label, pools = status.message_label, status.pools_label
    assert label.geometry().right() < pools.geometry().left()
    assert status.currentMessage().endswith("timing.png")
    assert label.toolTip() == status.currentMessage()  # the whole text stays reachable
    assert label.text().endswith("timing.png")  # elided in the middle: the name stays


def test_one_error_count_for_the_tab_and_the_status_bar(qtbot, lab_window):
    console = lab_window.ui.errors
    console.add_records([_record(str(i)) for i in range(11)])  # an earlier run's errors
    lab_window.select_scenario("exceptions")
    report = run_to_end(qtbot, lab_window)
    count = console.run_count()
    assert count > 0
    tab = lab_window.ui.tabs.tabText(TAB_ERRORS)
    assert tab.startswith(f"Errors ({count} ·")
    assert f"{count} error" in lab_window.statusBar().currentMessage()
    assert report.state in lab_window.statusBar().currentMessage()


def test_new_errors_scroll_into_view(qtbot, lab_window):
    lab_window.ui.tabs.setCurrentIndex(TAB_ERRORS)
    console = lab_window.ui.errors
    for batch in range(8):
        console.add_records([_record(f"{batch}-{i}") for i in range(20)])
    qtbot.wait(20)
    bar = console.tree.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == bar.maximum()


def test_lessons_that_ignore_the_pool_size_disable_the_slider(qtbot, lab_window):
    slider = lab_window.ui.controls.slider
    lab_window.select_scenario("process-start-join")
    assert not slider.isEnabled() and "two processes" in slider.toolTip()
    lab_window.select_scenario("process-pool")
    assert slider.isEnabled()


def test_work_per_cpu_task_is_disabled_with_the_square_workload(qtbot, lab_window):
    lab_window.select_scenario("pool-timing")
    lab_window.set_param("workload", "square")
    editor = lab_window.ui.params.editor("cpu_ms")
    assert not editor.isEnabled() and "Not used now" in editor.toolTip()
    lab_window.set_param("workload", "cpu")
    assert editor.isEnabled()


@pytest.mark.parametrize("scenario", all_scenarios(), ids=lambda s: s.id)
def test_the_timing_tab_is_off_where_the_lesson_times_nothing(qtbot, lab_window, scenario):
    lab_window.select_scenario(scenario.id)
    tabs = lab_window.ui.tabs
    assert tabs.isTabEnabled(TAB_TIMING) == ("timing" in scenario.views)
    if "timing" not in scenario.views:
        assert "Not used by this lesson" in tabs.tabToolTip(TAB_TIMING)
        assert tabs.currentIndex() != TAB_TIMING


def test_every_lesson_text_is_reachable_at_the_minimum_size(qtbot, lab_window):
    lab_window.resize(lab_window.minimumSize())
    info = lab_window.ui.info

    def reachable() -> bool:
        # either it all shows, or the scroll bar reaches the rest
        text = info.text
        needed = text.document().size().height()
        bar = text.verticalScrollBar()
        return text.viewport().height() + bar.maximum() >= needed - 2 and text.height() >= 48

    for scenario in all_scenarios():
        lab_window.select_scenario(scenario.id)
        qtbot.waitUntil(reachable, timeout=3000)
        assert scenario.when_to_use[:40] in info.plain_text()
    # readable, not merely reachable: at 760 px the pane was 110 px, a word a line
    assert info.width() >= 200


def test_the_chooser_wraps_long_titles_and_says_when_nothing_matches(qtbot, lab_window):
    chooser = lab_window.ui.chooser
    chooser.resize(280, 500)
    tree = chooser.tree
    item = chooser._items["io-vs-cpu"]
    line = tree.fontMetrics().height()
    title_width = tree.fontMetrics().horizontalAdvance(item.text(0))
    assert title_width > tree.viewport().width() - tree.indentation()  # it must wrap
    qtbot.waitUntil(lambda: tree.visualItemRect(item).height() >= 2 * line, timeout=3000)
    chooser.filter.setText("no-such-lesson-zzz")
    assert chooser.visible_ids() == []
    assert chooser.no_match.isVisible() and "No lesson matches" in chooser.no_match.text()
    chooser.filter.setText("pool")
    assert not chooser.no_match.isVisible()


def test_help_menu_guide_shortcuts_and_about(qtbot, lab_window):
    guide = lab_window.menus.show_guide()
    text = guide.browser.toPlainText()
    for words in ("ideal curve", "Noisy", "Timeline", "serial / p"):
        assert words in text
    keys = lab_window.menus.show_shortcuts().browser.toPlainText()
    shortcuts = {
        a.shortcut().toString() for a in lab_window.findChildren(type(lab_window.run_action))
    }
    for key, _ in SHORTCUTS:
        if "," not in key:
            assert key in keys and key in shortcuts, key
    from desktop_app import __version__

    assert __version__ in lab_window.menus.show_about().browser.toPlainText()


def test_file_menu_has_quit_and_the_lesson_menu_resets(qtbot, lab_window):
    assert lab_window.quit_action in lab_window.menus.file_menu.actions()
    lab_window.select_scenario("process-pool")
    lab_window.set_param("n", 77)
    lab_window.set_pool_size(7)
    lab_window.menus.reset_params_action.trigger()
    assert lab_window.ui.params.values() == get_scenario("process-pool").defaults()
    assert lab_window.ui.controls.pool_size() == 4


def test_reset_all_settings_forgets_the_saved_values(qtbot, lab_window, monkeypatch):
    lab_window.select_scenario("process-pool")
    lab_window.set_param("n", 77)
    lab_window.select_scenario("pool-timing")  # saves process-pool's settings
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Reset)
    lab_window.menus.reset_all_action.trigger()
    lab_window.select_scenario("process-pool")
    assert lab_window.ui.params.values()["n"] == get_scenario("process-pool").defaults()["n"]


def test_presets_make_the_lessons_point(qtbot, lab_window):
    lab_window.select_scenario("producer-consumer")
    actions = lab_window.menus.presets_menu.actions()
    assert any("No lock" in a.text() for a in actions)
    next(a for a in actions if "No lock" in a.text()).trigger()
    assert lab_window.ui.params.values()["lock"] is False
    lab_window.select_scenario("pool-timing")
    heavy = next(a for a in lab_window.ui.presets_menu.actions() if "Heavy" in a.text())
    heavy.trigger()
    assert lab_window.ui.params.values()["workload"] == "cpu"
    assert lab_window.ui.controls.pool_sizes() == (1, 2, 4, 8)


def test_quit_during_a_run_asks_and_says_what_it_stops(qtbot, lab_window, monkeypatch):
    asked = []

    def answer_no(_parent, _title, text, *args):
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", answer_no)
    lab_window.select_scenario("pool-timing")
    lab_window.set_param("n", 200)
    lab_window.set_param("workload", "cpu")
    lab_window.set_param("cpu_ms", 200)
    assert lab_window.start_run()
    lab_window.quit_action.trigger()
    assert lab_window.isVisible() and lab_window.is_running()
    assert "Timing Pool.map" in asked[0] and "stops" in asked[0]
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    lab_window.quit_action.trigger()
    assert not lab_window.isVisible() and not lab_window.is_running()


def test_the_window_has_a_minimum_size(lab_window):
    size = lab_window.minimumSize()
    assert size.width() >= 700 and size.height() >= 500
    assert lab_window.ui.tabs.currentIndex() in range(lab_window.ui.tabs.count())
    assert isinstance(lab_window.ui.run_caption, QLabel)
    assert TAB_TIMELINE != TAB_TIMING


def test_the_sharing_data_result_text_is_not_cut(qtbot, lab_window):
    from PySide6.QtCore import QRect, Qt

    lab_window.select_scenario("sharing-data")
    lab_window.set_param("tool", "lock")
    run_to_end(qtbot, lab_window)
    table = lab_window.ui.results
    lab_window.ui.tabs.setCurrentIndex(4)
    model = table.model()
    column = next(
        c
        for c in range(model.columnCount())
        if model.headerData(c, Qt.Orientation.Horizontal) == "what happened"
    )
    for row in range(model.rowCount()):
        index = model.index(row, column)
        rect = table.visualRect(index)
        text = str(index.data())
        needed = table.fontMetrics().boundingRect(
            QRect(0, 0, rect.width() - 8, 10_000), Qt.TextFlag.TextWordWrap, text
        )
        assert needed.height() <= rect.height(), (text, rect)


def test_error_columns_widen_to_their_text(lab_window):
    console = lab_window.ui.errors
    long_type = "BrokenProcessPoolWithAVeryLongExceptionName"
    record = ErrorRecord(
        origin="process", type=long_type, message="m", traceback="tb", worker="lab-pool-4_3 pid"
    )
    console.add_records([record])
    metrics = console.tree.fontMetrics()
    assert console.tree.columnWidth(2) >= metrics.horizontalAdvance(long_type)
    assert console.tree.topLevelItem(0).toolTip(2) == long_type


def test_at_the_minimum_size_the_status_bar_and_chooser_still_fit(qtbot, lab_window):
    lab_window.statusBar().set_pools([("pool", size, True) for size in (1, 2, 4, 8, 16)])
    lab_window.resize(lab_window.minimumSize())
    status = lab_window.statusBar()

    def fits() -> bool:
        right = status.environment_label.geometry().right()
        return right <= status.width() and status.pools_label.geometry().right() < right

    qtbot.waitUntil(fits, timeout=3000)
    assert "pool×16" in status.pools_label.toolTip()  # elided on screen, whole in the tooltip
    assert lab_window.ui.chooser.width() >= 170


def test_the_parameter_box_is_as_tall_as_the_lessons_form(qtbot, lab_window):
    params, button = lab_window.ui.params, lab_window.ui.presets_button
    for scenario_id in ("producer-consumer", "process-start-join"):
        lab_window.select_scenario(scenario_id)
        qtbot.waitUntil(
            lambda: 0 <= button.geometry().top() - params.geometry().bottom() < 20, timeout=3000
        )
