"""The CPU view samples every core without blocking and stops its timer when asked or closed."""

from __future__ import annotations

import psutil

from desktop_app.ui.plots.cpu_view import CpuView


def test_samples_every_core_while_started(qtbot):
    view = CpuView(interval_ms=50)
    qtbot.addWidget(view)
    assert view.cores() == psutil.cpu_count(logical=True)
    view.start()
    assert view.is_running()
    qtbot.waitUntil(lambda: view.samples() >= 3, timeout=10_000)
    values = view.latest()
    assert len(values) == view.cores()
    assert all(0.0 <= v <= 100.0 for v in values)
    x, y = view._curves[0].getData()
    assert len(x) == len(y) >= 3
    assert "logical cores" in view._summary.text()
    view.stop()
    assert not view.is_running()


def test_close_stops_the_timer(qtbot):
    view = CpuView(interval_ms=50)
    qtbot.addWidget(view)
    view.show()
    view.start()
    view.close()
    assert not view.is_running()
