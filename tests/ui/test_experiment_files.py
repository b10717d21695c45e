"""File ▸ Open experiment… / New experiment…: a user's file in the window, run in the run host
on threads and processes, its errors in the console, edits on disk noticed, remembered."""

from __future__ import annotations

import json
import os
import textwrap

import psutil
from _window_helpers import run_to_end
from PySide6.QtWidgets import QFileDialog

from desktop_app.experiments.template import TEMPLATE

WAIT_MS = 30_000

GOOD = '''
"""Doubles, printed as they go."""
import os
import psutil

def task(x):
    print("doubling", x, "in", os.getpid())
    return 2 * x

INPUTS = list(range(8))
'''


def write(folder, name: str, text: str) -> str:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def open_file(qtbot, window, path: str) -> str:
    with qtbot.waitSignal(window.experiments.opened, timeout=WAIT_MS) as blocker:
        window.experiments.open(path)
    return blocker.args[0]


def choose(window, threads=True, processes=True, sizes=(2,), repeats=1) -> None:
    window.set_param("threads", threads)
    window.set_param("processes", processes)
    window.set_pool_sizes(sizes)
    window.set_repeats(repeats)


def group_titles(window, lesson: str) -> list[str]:
    tree = window.ui.chooser.tree
    for index in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(index)
        if group.text(0) == lesson:
            return [group.child(i).text(0) for i in range(group.childCount())]
    return []


def test_an_opened_file_runs_in_the_host_on_threads_and_processes(qtbot, lab_window, tmp_path):
    path = write(tmp_path, "doubles.py", GOOD)
    scenario_id = open_file(qtbot, lab_window, path)
    assert lab_window.current_scenario().id == scenario_id
    assert group_titles(lab_window, "My experiments") == ["doubles.py:task"]
    qtbot.waitUntil(lambda: "return 2 * x" in lab_window.ui.info.code.toPlainText())
    assert "Doubles, printed as they go." in lab_window.ui.info.plain_text()
    choose(lab_window, sizes=(1, 2))
    report = run_to_end(qtbot, lab_window)
    assert report.state == "completed", [r.message for r in report.errors]
    assert {(e.measurement.backend, e.measurement.pool_size) for e in report.runs} == {
        ("serial", 1), ("threads", 1), ("threads", 2), ("processes", 1), ("processes", 2),
    }  # fmt: skip
    assert all(entry.results == [2 * x for x in range(8)] for entry in report.runs)
    pids = {line.split()[-1] for line in report.output if "doubling" in line}
    assert str(os.getpid()) not in pids  # the user's code never ran in the window's process
    assert len(pids) >= 2  # the run host and the process workers
    assert "doubling 7" in lab_window.ui.output.toPlainText()
    lab_window.export("json", str(tmp_path / "run.json"))  # exports as a lesson's run does
    saved = json.loads((tmp_path / "run.json").read_text())
    assert saved["scenario"] == scenario_id and len(saved["runs"]) == 5


def test_a_broken_file_fails_the_run_with_its_file_and_line(qtbot, lab_window, tmp_path):
    path = write(tmp_path, "broken.py", "import os\nraise RuntimeError('no config')\n")
    open_file(qtbot, lab_window, path)
    choose(lab_window)
    report = run_to_end(qtbot, lab_window)
    assert report.state == "failed"
    (record,) = lab_window.error_records()
    assert f"{path}, line 2: importing it raised RuntimeError: no config" in record.message
    assert "no config" in record.traceback


def test_an_edit_on_disk_is_read_again_and_offered_or_rerun(qtbot, lab_window, tmp_path):
    path = write(tmp_path, "edits.py", GOOD)
    scenario_id = open_file(qtbot, lab_window, path)
    choose(lab_window, processes=False)
    with qtbot.waitSignal(lab_window.experiments.changed, timeout=WAIT_MS):
        write(tmp_path, "edits.py", GOOD.replace("2 * x", "3 * x"))
    assert lab_window.current_scenario().id == scenario_id
    qtbot.waitUntil(lambda: "return 3 * x" in lab_window.ui.info.code.toPlainText())
    offer = lab_window.experiments.offer
    assert offer is not None and offer.isVisible() and "changed on disk" in offer.text()
    with qtbot.waitSignal(lab_window.run_finished, timeout=WAIT_MS) as blocker:
        lab_window.experiments.run_again.click()
    assert blocker.args[0].runs[-1].results == [3 * x for x in range(8)]
    lab_window.experiments.rerun_action.setChecked(True)
    with qtbot.waitSignal(lab_window.run_finished, timeout=WAIT_MS) as blocker:
        os.replace(write(tmp_path, "new.py", GOOD.replace("2 * x", "4 * x")), path)  # by rename
    assert blocker.args[0].runs[-1].results == [4 * x for x in range(8)]


def test_experiments_are_remembered_across_starts(qtbot, ini_settings, lab_host, tmp_path):
    from desktop_app.ui.main_window import MainWindow

    path = write(tmp_path, "kept.py", GOOD)
    first = MainWindow(host=lab_host, settings=ini_settings)
    qtbot.addWidget(first)
    scenario_id = open_file(qtbot, first, path)
    first.set_param("processes", False)
    first.set_pool_sizes((1, 3))
    first.close()
    ini_settings.sync()
    second = MainWindow(host=lab_host, settings=ini_settings)
    qtbot.addWidget(second)
    qtbot.waitUntil(lambda: second.current_scenario().id == scenario_id, timeout=WAIT_MS)
    assert group_titles(second, "My experiments") == ["kept.py:task"]
    assert second.ui.params.values()["processes"] is False  # its choices kept with it
    assert second.ui.controls.pool_sizes() == (1, 3)
    second.close()


def test_new_experiment_writes_the_template_and_it_runs(qtbot, lab_window, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    with qtbot.waitSignal(lab_window.experiments.opened, timeout=WAIT_MS):
        lab_window.experiments.new_action.trigger()
    path = tmp_path / "my_experiment.py"
    assert path.read_text(encoding="utf-8") == TEMPLATE
    choose(lab_window, repeats=1)
    report = run_to_end(qtbot, lab_window)
    assert report.state == "completed", [r.message for r in report.errors]


def test_a_file_that_is_gone_is_said_and_forgotten(qtbot, lab_window, tmp_path):
    gone = str(tmp_path / "gone.py")
    lab_window.experiments.open(gone)
    qtbot.waitUntil(lambda: "gone.py: the file is gone" in lab_window.statusBar().currentMessage())
    assert gone not in lab_window._store.experiment_paths()


def test_an_endless_task_is_cancelled_and_the_host_restarted(qtbot, lab_window, tmp_path):
    path = write(
        tmp_path, "endless.py", "INPUTS = [1, 2]\ndef task(x):\n    while True:\n        pass\n"
    )
    open_file(qtbot, lab_window, path)
    choose(lab_window, threads=False, processes=False)
    with qtbot.waitSignal(lab_window.run_finished, timeout=WAIT_MS) as blocker:
        assert lab_window.start_run()
        qtbot.waitUntil(lambda: lab_window.host.pid is not None, timeout=WAIT_MS)
        stuck_host = lab_window.host.pid
        qtbot.wait(300)  # the serial task is spinning in a thread of the host now
        lab_window.cancel_run()
    assert blocker.args[0].state == "cancelled"
    qtbot.waitUntil(lambda: not psutil.pid_exists(stuck_host), timeout=WAIT_MS)
    write(tmp_path, "endless.py", GOOD)
    qtbot.waitUntil(lambda: "2 * x" in lab_window.ui.info.code.toPlainText(), timeout=WAIT_MS)
    assert run_to_end(qtbot, lab_window).state == "completed"  # on a fresh host


def test_a_task_that_kills_its_process_fails_the_run_not_the_window(
    qtbot, lab_window, tmp_path, monkeypatch
):
    path = write(tmp_path, "crash.py", "import os\nINPUTS = [1]\ndef task(x):\n    os._exit(3)\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (path, ""))
    with qtbot.waitSignal(lab_window.experiments.opened, timeout=WAIT_MS):
        lab_window.experiments.open_action.trigger()
    choose(lab_window, threads=False, processes=False)
    report = run_to_end(qtbot, lab_window)  # serial runs in the run host: the host dies
    assert report.state == "failed"
    assert [r.type for r in report.errors] == ["RunHostDied"]
    assert "exit code 3" in report.errors[0].message
    assert "The experiment ended the run host" in lab_window.statusBar().currentMessage()
    write(tmp_path, "crash.py", GOOD)
    qtbot.waitUntil(lambda: "2 * x" in lab_window.ui.info.code.toPlainText(), timeout=WAIT_MS)
    assert run_to_end(qtbot, lab_window).state == "completed"  # a fresh host, same window
