"""Run ▸ Python interpreter: the window runs a lesson in a run host under another Python, and
the status bar and the timeline's header show that run's interpreter and GIL verdict."""

from __future__ import annotations

import os
from pathlib import Path

from _window_helpers import run_to_end
from engine.other_pythons import needs, pyenv_python
from scenarios.scenario_params import BUSY, QUICK

from desktop_app.ui.window_layout import TAB_TIMELINE

SEARCH_MS = 60_000


def _menu(qtbot, window):
    menu = window.menus.python_menu
    assert not menu.searching  # nothing runs until the menu is first opened
    menu.menu.aboutToShow.emit()
    qtbot.waitUntil(lambda: not menu.searching, timeout=SEARCH_MS)
    return menu


def _info(menu, minor):
    return next(
        i for i in menu.infos.values() if i.version[:2] == (3, minor) and i.source != "this"
    )


def test_the_gil_lesson_runs_under_the_chosen_python_and_the_window_says_so(qtbot, lab_window):
    needs(pyenv_python(12), "pyenv Python 3.12")
    menu = _menu(qtbot, lab_window)
    assert [a.text() for a in menu.group.actions() if a.isChecked()][0].endswith(
        "(this app's Python)"
    )
    info = _info(menu, 12)
    assert menu.choose(info)
    label = lab_window.statusBar().environment_label
    assert "Python 3.12 (pyenv)" in label.text()
    lab_window.select_scenario("gil-interpreters")
    for name, value in QUICK["gil-interpreters"].items():
        lab_window.set_param(name, value)
    report = run_to_end(qtbot, lab_window)
    assert report.state == "completed", report.errors[:1]
    assert report.environment["executable"] == info.path
    assert {row[0] for row in report.table_rows} == {"3.12"}
    assert "GIL on (standard build)" in label.text() and "Python 3.12." in label.text()
    # the compiled timing loop is built for the app's own Python only: the window says so
    assert report.environment["timing_loop"] == "python"
    assert "Python timing loop" in label.text() and "~60 ns" in label.toolTip()
    header = lab_window.ui.timeline.interpreter_label.text()
    assert header == f"Python {report.environment['python']} · GIL on (standard build)"
    if os.environ.get("CONCURRENCY_LAB_SCREENSHOTS"):
        lab_window.ui.tabs.setCurrentIndex(TAB_TIMELINE)
        lab_window.resize(1280, 800)
        qtbot.wait(300)  # the layout settles (a screenshot to look at, not an assertion)
        lab_window.grab().save(os.environ["CONCURRENCY_LAB_SCREENSHOTS"])


def test_another_python_given_by_path_is_checked_then_used(qtbot, lab_window):
    path = needs(pyenv_python(13), "pyenv Python 3.13")
    menu = _menu(qtbot, lab_window)
    menu.check_path(path)
    qtbot.waitUntil(lambda: lab_window.host.python is not None, timeout=SEARCH_MS)
    assert os.path.realpath(lab_window.host.python) == os.path.realpath(path)
    checked = [a for a in menu.group.actions() if a.isChecked()]
    assert len(checked) == 1 and "Python 3.13" in checked[0].text()


def test_a_path_that_is_no_python_is_refused_with_a_message(qtbot, lab_window, tmp_path):
    menu = _menu(qtbot, lab_window)
    fake = tmp_path / "python3"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    menu.check_path(str(fake))
    status = lab_window.statusBar()
    qtbot.waitUntil(
        lambda: "does not run as a Python" in status.currentMessage(), timeout=SEARCH_MS
    )
    assert lab_window.host.python is None


def test_the_interpreter_cannot_change_during_a_run(qtbot, lab_window):
    needs(pyenv_python(12), "pyenv Python 3.12")
    menu = _menu(qtbot, lab_window)
    lab_window.select_scenario("pool-timing")
    for name, value in BUSY["pool-timing"].items():
        lab_window.set_param(name, value)
    assert lab_window.start_run(), lab_window.last_refusal
    assert not menu.choose(_info(menu, 12))
    assert lab_window.host.python is None
    assert "A run is in progress" in lab_window.statusBar().currentMessage()
    checked = [a for a in menu.group.actions() if a.isChecked()]
    assert checked[0].text().endswith("(this app's Python)")


def test_a_saved_run_shows_its_own_interpreter_and_verdict_in_the_timeline(
    qtbot, lab_window, tmp_path
):
    import json

    lab_window.select_scenario("pool-timing")
    for name, value in QUICK["pool-timing"].items():
        lab_window.set_param(name, value)
    report = run_to_end(qtbot, lab_window)
    qtbot.waitUntil(lambda: not lab_window.is_running())
    (saved,) = lab_window.export("json", str(tmp_path / "run.json"))
    header = lab_window.ui.timeline.interpreter_label
    with qtbot.waitSignal(lab_window.run_finished, timeout=30_000):
        assert lab_window.open_run(str(saved))
    python, verdict = report.environment["python"], report.environment["gil"]["summary"]
    assert header.text() == f"Saved run · Python {python} · {verdict}"
    doc = json.loads(Path(saved).read_text(encoding="utf-8"))
    del doc["environment"]["gil"]  # a file written before the verdict existed
    older = tmp_path / "older.json"
    older.write_text(json.dumps(doc))
    with qtbot.waitSignal(lab_window.run_finished, timeout=30_000):
        assert lab_window.open_run(str(older))
    assert header.text() == ""


def _window(qtbot, ini_settings, lab_host):
    from desktop_app.ui.main_window import MainWindow

    window = MainWindow(host=lab_host, settings=ini_settings)
    qtbot.addWidget(window)
    window.show()
    return window


def test_the_chosen_python_is_remembered_and_used_at_the_next_start(qtbot, ini_settings, lab_host):
    path = needs(pyenv_python(13), "pyenv Python 3.13")
    first = _window(qtbot, ini_settings, lab_host)
    info = _info(_menu(qtbot, first), 13)
    assert first.menus.python_menu.choose(info)
    first.close()
    assert ini_settings.value("run/python") == info.path
    lab_host.use_python(None)  # as a new app's host starts: this app's Python
    second = _window(qtbot, ini_settings, lab_host)
    group = second.menus.python_menu.group

    def checked() -> list[str]:
        return [a.text() for a in group.actions() if a.isChecked()]

    qtbot.waitUntil(lambda: "Python 3.13" in checked()[0], timeout=SEARCH_MS)
    assert len(checked()) == 1
    assert os.path.realpath(second.host.python) == os.path.realpath(path)
    assert "Python 3.13" in second.statusBar().environment_label.text()
    second.close()


def test_a_remembered_python_that_is_gone_is_said_and_forgotten(
    qtbot, ini_settings, lab_host, tmp_path
):
    gone = str(tmp_path / "python3.99")
    ini_settings.setValue("run/python", gone)
    window = _window(qtbot, ini_settings, lab_host)
    qtbot.waitUntil(lambda: "is gone" in window.statusBar().currentMessage(), timeout=SEARCH_MS)
    assert gone in window.statusBar().currentMessage()
    assert window.host.python is None and ini_settings.value("run/python") == ""
    window.close()


def test_a_choice_made_before_the_remembered_python_is_checked_wins(qtbot, ini_settings, lab_host):
    """The remembered interpreter is asked again in the background; a pick in the menu made
    before that answer arrives is not overridden by it (review finding)."""
    from desktop_app.engine.pythons import this_python

    path = needs(pyenv_python(13), "pyenv Python 3.13")
    ini_settings.setValue("run/python", path)
    lab_host.use_python(None)
    window = _window(qtbot, ini_settings, lab_host)
    menu = window.menus.python_menu
    answers = []
    menu.restored.connect(lambda *args: answers.append(args))  # the probe takes a subprocess
    menu._on_action_chosen(this_python())  # before the event loop runs: the answer is queued
    qtbot.waitUntil(lambda: bool(answers), timeout=SEARCH_MS)
    qtbot.wait(50)  # its own slot, connected first, has run too
    assert answers[0][0] is not None and answers[0][0].usable  # it did answer "still there"
    assert window.host.python is None
    assert ini_settings.value("run/python") == ""
    window.close()
