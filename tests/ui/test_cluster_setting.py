"""The window's Dask scheduler setting, and a map lesson run on the lab's own Dask cluster."""

from __future__ import annotations

import pytest
from _window_helpers import run_to_end


def test_the_scheduler_setting_is_checked_stored_and_carried_by_every_request(lab_window):
    setting = lab_window.scheduler_setting
    assert setting.address() == ""  # the lab's own cluster by default
    with pytest.raises(ValueError, match="is not valid: use tcp://HOST:PORT"):
        setting.set_address("not an address")
    assert setting.set_address("10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    lab_window.select_scenario("pool-timing")
    assert lab_window._request().scheduler == "tcp://10.0.0.5:8786"
    setting.set_address("")
    assert lab_window._request().scheduler == ""
    assert lab_window.scheduler_action.text() == "Dask &scheduler…"


def test_process_pool_on_dask_shows_one_timeline_row_per_worker(qtbot, lab_window):
    pytest.importorskip("distributed")
    lab_window.select_scenario("process-pool")
    lab_window.set_param("executor", "dask")
    lab_window.set_param("n", 8)
    report = run_to_end(qtbot, lab_window)
    assert report.state == "completed", report.errors
    labels = lab_window.ui.timeline.worker_labels()
    assert labels and all(" 127.0.0.1:" in label for label in labels)
