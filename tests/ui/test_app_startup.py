"""What the app does once its window is up: the startup objects leave the collector's sight."""

from __future__ import annotations

import gc

from desktop_app.ui.app import freeze_startup_objects


def test_freezing_moves_live_objects_out_of_full_collections():
    keep = [[index] for index in range(10_000)]  # lists: tracked by the collector
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() >= len(keep)
        assert not any(item is keep[0] for item in gc.get_objects(2))  # not in the oldest
    finally:
        gc.unfreeze()  # the rest of the suite collects as usual
