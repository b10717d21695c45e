"""Fixtures for the main window's tests: a window on its own INI file and its own pools."""

from __future__ import annotations

import pytest
from _window_helpers import RUN_TIMEOUT_MS
from PySide6.QtCore import QSettings


@pytest.fixture
def ini_path(tmp_path):
    return tmp_path / "concurrency-lab.ini"


@pytest.fixture
def ini_settings(ini_path):
    return QSettings(str(ini_path), QSettings.Format.IniFormat)


@pytest.fixture
def lab_pools():
    from desktop_app.ui.main_window import window_pools

    pools = window_pools()  # what the window builds for itself
    yield pools
    pools.shutdown()


@pytest.fixture
def lab_window(qtbot, ini_settings, lab_pools):
    """A shown MainWindow; a run still going at teardown is cancelled and waited for."""
    from desktop_app.ui.main_window import MainWindow

    window = MainWindow(pools=lab_pools, settings=ini_settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    if window.is_running():
        window.cancel_run()
        qtbot.waitUntil(lambda: not window.is_running(), timeout=RUN_TIMEOUT_MS)
    window.close()
    lab_pools.shutdown()
