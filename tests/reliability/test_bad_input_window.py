"""Bad input to the window: parameters at and past their limits, and a damaged settings file.

The editors cannot hold a value outside a parameter's range (typed or set), the pool-size
slider spans 1 to its maximum and the API refuses past 64, bad sweep sizes disable Run with the
reason shown, and runs at pool size 1 and 64 complete. Settings: tests/ui/test_settings.py has
random bytes, wrong types and ranges, and any stored value; here a truncated file keeps every
whole line, a newer version's file keeps what fits and loses nothing, and a file that cannot be
read or written falls back to the defaults without a crash.
"""

from __future__ import annotations

import os

import pytest

from desktop_app.engine.limits import MAX_POOL_SIZE
from desktop_app.scenarios.registry import all_scenarios, get_scenario

# The fixtures lab_window, lab_host and figures, shared by the lifecycle, soak and bad-input tests

SCENARIOS = {scenario.id: scenario for scenario in all_scenarios()}

# --- limits in the window: editors that cannot hold a bad value, Run refused with a reason -----

INT_LIMIT = 2**31 - 1  # QSpinBox holds a C int
RUN_TIMEOUT_MS = 90_000


def _type_into(qtbot, editor, text: str) -> None:
    from PySide6.QtCore import Qt

    editor.setFocus()
    editor.selectAll()  # the number only: prefix and suffix stay
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


@pytest.mark.parametrize("scenario_id", list(SCENARIOS))
def test_spin_boxes_hold_only_values_within_each_parameters_limits(scenario_id, lab_window, qtbot):
    from desktop_app.scenarios.base import ParamError

    window = lab_window
    window.select_scenario(scenario_id)
    scenario = SCENARIOS[scenario_id]
    for param in (p for p in scenario.params if p.kind in ("int", "float")):
        editor = window.ui.params.editor(param.name)
        low, high = max(param.minimum, -INT_LIMIT), min(param.maximum, INT_LIMIT)
        assert (editor.minimum(), editor.maximum()) == (low, high), param.name
        assert param.allowed() in editor.toolTip()
        for typed in ("0", "-1", "-999999", str(int(high) * 10 + 9), "99999999999", "1e9", "x"):
            _type_into(qtbot, editor, typed)
            value = window.ui.params.values()[param.name]
            assert low <= value <= high, (param.name, typed, value)
        scenario.resolve(window.ui.params.values())  # whatever was typed, the form is valid
        for bound in (param.minimum, param.maximum):
            window.set_param(param.name, bound)
            assert window.ui.params.values()[param.name] == bound
        for past in (param.minimum - 1, param.maximum + 1, 10**30):
            with pytest.raises(ParamError, match=param.name):
                window.set_param(param.name, past)


def test_the_pool_size_slider_holds_one_to_its_maximum_and_the_api_refuses_past_64(lab_window):
    from desktop_app.engine.executors.base import PoolSizeError
    from desktop_app.ui.panels.run_controls import slider_maximum

    window = lab_window
    window.select_scenario("process-pool")
    slider = window.ui.controls.slider
    assert (slider.minimum(), slider.maximum()) == (1, slider_maximum(os.cpu_count() or 1))
    for value, expected in ((0, 1), (-5, 1), (10**6, slider.maximum())):
        slider.setValue(value)
        assert window.ui.controls.pool_size() == expected
    window.set_pool_size(MAX_POOL_SIZE)  # the largest pool the engine runs: reachable
    assert window.ui.controls.pool_size() == MAX_POOL_SIZE
    for bad in (0, MAX_POOL_SIZE + 1, 2.5, True):
        with pytest.raises(PoolSizeError):
            window.set_pool_size(bad)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "at least one pool size"),
        ("0", "outside 1..64"),
        ("65", "outside 1..64"),
        ("2,,4", "empty entry"),
        ("2, four", "not a whole number"),
        ("9" * 400, "outside 1..64"),
    ],
)
def test_bad_sweep_sizes_disable_run_with_the_reason_shown(text, reason, lab_window):
    window = lab_window
    window.select_scenario("pool-timing")
    controls = window.ui.controls
    controls.set_pool_sizes_text(text)
    assert not controls.run_button.isEnabled()
    assert reason in controls.run_button.toolTip()
    assert reason in controls.message.text() and not controls.message.isHidden()
    assert not window.start_run() and reason in window.last_refusal
    assert not window.is_running()
    controls.set_pool_sizes_text("1, 64")
    assert controls.run_button.isEnabled() and controls.pool_sizes() == (1, 64)


@pytest.mark.parametrize(
    ("scenario_id", "size"), [("process-pool", 1), ("thread-pool-factorial", 64)]
)
def test_a_run_at_pool_size_one_and_at_64_completes_in_the_window(
    scenario_id, size, lab_window, qtbot
):
    window = lab_window
    window.select_scenario(scenario_id)
    window.set_param("n", 64)
    window.set_pool_size(size)
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        assert window.start_run(), window.last_refusal
    report = blocker.args[0]
    assert (report.state, report.pool_sizes) == ("completed", (size,)), report.errors[:1]
    (entry,) = report.runs
    assert entry.measurement.pool_size == size and len(entry.results) == 64
    assert len({(span.pid, span.thread) for span in entry.spans}) <= size


# --- the settings file: truncated, from another version, unreadable (tests/ui/test_settings.py
# has random bytes, wrong types and ranges, and any stored value) ------------------------------

CHOICES = {  # scenario: (params, pool size, sweep sizes, repeats), all different from defaults
    "producer-consumer": ({"n": 7, "lock": False, "producer_ms": 3.5}, 3, None, 2),
    "pool-timing": ({"n": 33, "workload": "cpu"}, 2, (1, 3), 4),
    "exceptions": ({"fault": "exit", "timeout": 7.5}, 5, None, 1),
}


def _open(qtbot, path, host):
    from PySide6.QtCore import QSettings

    from desktop_app.ui.main_window import MainWindow

    window = MainWindow(host=host, settings=QSettings(str(path), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    return window


def _save_choices(qtbot, path, host) -> None:
    window = _open(qtbot, path, host)
    for scenario_id, (params, size, sizes, repeats) in CHOICES.items():
        window.select_scenario(scenario_id)
        for name, value in params.items():
            window.set_param(name, value)
        window.set_pool_size(size)
        if sizes:
            window.set_pool_sizes(sizes)
        window.set_repeats(repeats)
    window.select_scenario("exceptions")
    window.close()


def _store(path):
    from PySide6.QtCore import QSettings

    from desktop_app.ui.settings_store import SettingsStore

    return SettingsStore(QSettings(str(path), QSettings.Format.IniFormat))


def _read_back(store) -> dict:
    out = {"last": store.last_scenario(set(SCENARIOS))}
    for scenario_id in CHOICES:
        scenario = SCENARIOS[scenario_id]
        out[scenario_id] = (
            store.params(scenario),
            store.pool_size(scenario, -1),
            store.pool_sizes(scenario),
            store.repeats(scenario),
        )
    return out


def test_a_truncated_settings_file_keeps_every_complete_line_and_defaults_the_rest(
    qtbot, tmp_path, lab_host
):
    saved = tmp_path / "saved.ini"
    _save_choices(qtbot, saved, lab_host)
    text = saved.read_bytes()
    full = _read_back(_store(saved))
    assert full["last"] == "exceptions" and full["producer-consumer"][0]["n"] == 7
    cuts = sorted({*range(0, len(text), max(1, len(text) // 40)), len(text) - 1})
    kept_values = lost_values = 0
    for cut in cuts:
        path = tmp_path / f"cut-{cut}.ini"
        path.write_bytes(text[:cut])
        kept = text[: text.rfind(b"\n", 0, cut) + 1]  # the lines that survived whole
        store = _store(path)
        got = _read_back(store)
        complete = _read_back(_store(_write(tmp_path / f"kept-{cut}.ini", kept)))
        for scenario_id in CHOICES:
            scenario = SCENARIOS[scenario_id]
            params, size, sizes, repeats = got[scenario_id]
            scenario.resolve(params)  # valid, whatever the cut
            assert 1 <= size <= MAX_POOL_SIZE or size == -1
            assert all(1 <= s <= MAX_POOL_SIZE for s in sizes) and 1 <= repeats <= 50
            # nothing lost: every value on a whole line reads back as saved
            for mine, whole, saved_value in zip(
                (params, size, sizes, repeats),
                complete[scenario_id],
                full[scenario_id],
                strict=True,
            ):
                if whole == saved_value:
                    assert mine == saved_value, (cut, scenario_id)
                    kept_values += 1
                else:
                    lost_values += 1
    assert kept_values and lost_values  # the cuts fell both before and after saved values
    # and the window itself opens on a few of them
    for cut in cuts[:: max(1, len(cuts) // 5)]:
        window = _open(qtbot, tmp_path / f"cut-{cut}.ini", lab_host)
        window.show()
        current = window.current_scenario()
        current.resolve(window.ui.params.values())
        window.close()


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_a_file_from_another_version_keeps_what_fits_and_loses_nothing_it_does_not_know(
    qtbot, tmp_path, lab_host
):
    path = tmp_path / "future.ini"
    _save_choices(qtbot, path, lab_host)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(
            "\n[General]\nsettings_version=99\n"
            '[future]\nlayout="{\\"docks\\": [1, 2]}"\n'
            "[scenarios]\n"
            'io-vs-cpu\\params="[8, 100, 50]"\n'  # a list where a dict was
            'io-vs-cpu\\pool_size="\\"4\\""\n'  # a string where a number was
            "io-vs-cpu\\repeats=2.5\n"
            'thread-pool-factorial\\params="{\\"n\\": 12, \\"mode\\": \\"new\\"}"\n'
        )
    window = _open(qtbot, path, lab_host)
    window.show()
    assert window.current_scenario().id == "exceptions"
    window.select_scenario("producer-consumer")
    assert window.ui.params.values()["n"] == 7 and window.ui.controls.pool_size() == 3
    window.select_scenario("io-vs-cpu")
    io = SCENARIOS["io-vs-cpu"]
    assert window.ui.params.values() == io.defaults()
    assert window.ui.controls.pool_size() == io.pool_sizes[0]
    window.select_scenario("thread-pool-factorial")
    assert window.ui.params.values()["n"] == 12  # the known value of a newer shape is kept
    window.close()
    written = path.read_text(encoding="utf-8")
    assert "settings_version=99" in written and "[future]" in written  # nothing lost


def test_settings_that_cannot_be_read_or_written_fall_back_without_a_crash(
    qtbot, tmp_path, lab_host
):
    folder = tmp_path / "a-folder.ini"
    folder.mkdir()  # QSettings can neither read nor write a folder
    window = _open(qtbot, folder, lab_host)
    window.show()
    first = all_scenarios()[0]
    assert window.current_scenario().id == first.id
    assert window.ui.params.values() == first.defaults()
    window.select_scenario("pool-timing")
    window.set_repeats(3)
    window.close()  # saving fails quietly: the folder is still a folder
    assert folder.is_dir()
    undecodable = tmp_path / "bytes.ini"
    undecodable.write_bytes(
        b'[General]\nlast_scenario="\xff\xfe"\n[scenarios]\npool-timing\\repeats=\xff\n'
    )
    window = _open(qtbot, undecodable, lab_host)
    assert window.current_scenario().id == first.id
    window.select_scenario("pool-timing")
    assert window.ui.controls.repeats() == get_scenario("pool-timing").repeats
    window.close()
