"""Fixtures of the reliability tests: a window on its own settings file and its own pools.

``figures`` collects measured latencies and counts and writes them to the terminal when the
module ends, so that a CI log carries them. The tests assert generous bounds only; the figures
are what the machine actually did.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def figures(request):
    """``figures[name] = text``: printed under a heading once the module's tests are done."""
    found: dict[str, str] = {}
    yield found
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if not found or reporter is None:
        return
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():  # teardown output is captured otherwise
        reporter.write_line("")
        reporter.write_line(f"--- figures measured by {request.module.__name__} (this machine) ---")
        width = max(len(name) for name in found)
        for name, text in found.items():
            reporter.write_line(f"{name:<{width}}  {text}")


@pytest.fixture
def lab_pools():
    from desktop_app.engine.pools import PoolManager

    pools = PoolManager()
    yield pools
    pools.shutdown()


@pytest.fixture
def lab_window(qtbot, tmp_path, lab_pools):
    """A shown MainWindow on a fresh INI file; a run still going at teardown is cancelled."""
    from PySide6.QtCore import QSettings

    from desktop_app.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "lab.ini"), QSettings.Format.IniFormat)
    window = MainWindow(pools=lab_pools, settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    if window.is_running():
        window.cancel_run()
        qtbot.waitUntil(lambda: not window.is_running(), timeout=60_000)
    window.close()
    lab_pools.shutdown()
