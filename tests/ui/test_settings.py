"""Settings survive a restart; a corrupt or foreign settings file falls back to defaults."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QByteArray, QSettings

from desktop_app.engine.host.client import RunHost
from desktop_app.scenarios.registry import all_scenarios, get_scenario
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.settings_store import SettingsStore

FIRST = all_scenarios()[0]


def open_window(qtbot, path, host):
    window = MainWindow(host=host, settings=QSettings(str(path), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    return window


def test_choices_survive_a_restart(qtbot, ini_path, lab_host):
    first = open_window(qtbot, ini_path, lab_host)
    first.show()
    first.select_scenario("producer-consumer")
    first.set_param("n", 7)
    first.set_param("lock", False)
    first.set_param("producer_ms", 3.5)
    first.set_pool_size(3)
    first.resize(760, 600)  # the offscreen screen is 800 wide
    first.ui.main.setSizes([320, 680])
    saved_main = first.ui.main.sizes()
    first.close()

    second = open_window(qtbot, ini_path, lab_host)
    second.show()
    assert second.current_scenario().id == "producer-consumer"
    values = second.ui.params.values()
    assert (values["n"], values["lock"], values["producer_ms"]) == (7, False, 3.5)
    assert second.ui.controls.pool_size() == 3
    assert (second.width(), second.height()) == (760, 600)
    assert second.ui.main.sizes() == saved_main
    second.close()


def test_sweep_settings_are_per_scenario(qtbot, ini_path, lab_host):
    first = open_window(qtbot, ini_path, lab_host)
    first.select_scenario("pool-timing")
    first.set_pool_sizes((1, 3))
    first.set_repeats(4)
    first.select_scenario("process-pool")  # switching saves the previous scenario's choices
    first.close()
    second = open_window(qtbot, ini_path, lab_host)
    assert second.current_scenario().id == "process-pool"
    second.select_scenario("pool-timing")
    assert second.ui.controls.pool_sizes() == (1, 3)
    assert second.ui.controls.repeats() == 4
    second.close()


def assert_defaults(window):
    assert window.current_scenario().id == FIRST.id
    assert window.ui.params.values() == FIRST.defaults()
    assert window.ui.controls.pool_size() == FIRST.pool_sizes[0]


def test_a_file_of_random_bytes_falls_back_to_defaults(qtbot, ini_path, lab_host):
    ini_path.write_bytes(os.urandom(4096) + b"\n[window]\ngeometry=@ByteArray(\x00\xff)\n")
    window = open_window(qtbot, ini_path, lab_host)
    window.show()
    assert_defaults(window)
    assert window.width() > 0
    window.close()


def test_values_of_the_wrong_type_or_range_fall_back(qtbot, ini_path, lab_host):
    ini_path.write_text(
        "[General]\n"
        "last_scenario=12\n"
        "[window]\n"
        "geometry=not a geometry\n"
        "splitters\\main=@ByteArray(garbage)\n"
        "[scenarios]\n"
        f'{FIRST.id}\\params="{{\\"n\\": \\"abc\\", \\"io_ms\\": -5, \\"cpu_ms\\": true}}"\n'
        f"{FIRST.id}\\pool_size=999\n"
        "pool-timing\\pool_sizes=[0, 100]\n"
        "pool-timing\\repeats=true\n"
    )
    window = open_window(qtbot, ini_path, lab_host)
    window.show()
    assert_defaults(window)
    assert all(size > 0 for size in window.ui.main.sizes())
    window.select_scenario("pool-timing")
    scenario = get_scenario("pool-timing")
    assert window.ui.controls.pool_sizes() == scenario.pool_sizes
    assert window.ui.controls.repeats() == scenario.repeats
    window.close()


def test_a_foreign_value_for_one_parameter_keeps_the_others(tmp_path):
    qsettings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    scenario = get_scenario("producer-consumer")
    qsettings.setValue(
        f"scenarios/{scenario.id}/params",
        json.dumps({"n": 12, "lock": "yes", "producer_ms": 5, "unknown": 1}),
    )
    qsettings.setValue("window/geometry", QByteArray(b"\x01\x02"))
    store = SettingsStore(qsettings)
    assert store.params(scenario) == {"n": 12, "producer_ms": 5.0}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(stored=json_values, size=json_values, raw=st.binary(max_size=40))
def test_any_stored_value_reads_back_valid_or_default(tmp_path, stored, size, raw):
    qsettings = QSettings(str(tmp_path / "h.ini"), QSettings.Format.IniFormat)
    store = SettingsStore(qsettings)
    for scenario in all_scenarios():
        key = f"scenarios/{scenario.id}"
        qsettings.setValue(
            f"{key}/params", json.dumps(stored if not isinstance(stored, list) else {"n": stored})
        )
        qsettings.setValue(f"{key}/pool_size", json.dumps(size))
        qsettings.setValue(f"{key}/pool_sizes", raw.decode("latin-1"))
        qsettings.setValue(f"{key}/repeats", json.dumps(size))
        scenario.resolve(store.params(scenario))  # raises if anything invalid came back
        assert 1 <= store.pool_size(scenario, 2) <= 64
        assert all(1 <= s <= 64 for s in store.pool_sizes(scenario))
        assert 1 <= store.repeats(scenario) <= 50


@pytest.fixture
def lab_host():
    host = RunHost()
    yield host
    host.shutdown()
