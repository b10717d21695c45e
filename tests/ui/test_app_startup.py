"""What the app does once its window is up: the startup objects leave the collector's sight."""

from __future__ import annotations

import gc
import os
import sys

from desktop_app.ui.app import freeze_startup_objects


def test_freezing_moves_live_objects_out_of_full_collections():
    keep = [[index] for index in range(10_000)]  # lists: tracked by the collector
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() >= len(keep)
        assert not any(item is keep[0] for item in gc.get_objects(2))  # not in the oldest
    finally:
        gc.unfreeze()  # the rest of the suite collects as usual


def test_the_app_keeps_raster_fills_on_the_gui_thread_unless_told_otherwise(qapp, monkeypatch):
    """Qt's helper threads for big fills wait for a core the run's workers hold: the app
    turns them off before Qt first reads the setting; a user's own value stays."""
    from desktop_app.ui.app import NO_GUI_THREADPOOL_ENV, make_application

    before = (sys.getswitchinterval(), qapp.applicationName(), qapp.organizationName())
    try:
        monkeypatch.delenv(NO_GUI_THREADPOOL_ENV, raising=False)
        assert make_application([]) is qapp
        assert os.environ[NO_GUI_THREADPOOL_ENV] == "1"
        monkeypatch.setenv(NO_GUI_THREADPOOL_ENV, "0")
        make_application([])
        assert os.environ[NO_GUI_THREADPOOL_ENV] == "0"
    finally:  # the rest of the suite runs as it did
        sys.setswitchinterval(before[0])
        qapp.setApplicationName(before[1])
        qapp.setOrganizationName(before[2])
