"""The timeline's lock lanes: waiting and holding per thread and lock, lost updates marked.

Drawn from real runs of the lessons (their own traced locks), in the widget and in the window
(live through the run host, and replayed from a saved run).
"""

from __future__ import annotations

import numpy as np
import pytest
from _window_helpers import run_to_end
from PySide6.QtCore import QPointF

from desktop_app.engine.context import run_scenario
from desktop_app.engine.events import LocksRecorded
from desktop_app.engine.records import measurement_label
from desktop_app.scenarios.registry import get_scenario
from desktop_app.ui.plots.task_timeline import TaskTimeline
from desktop_app.ui.replay import replay_events
from desktop_app.ui.viewmodels.lock_lanes import LockLanes, max_holders_at_once


def run(scenario_id: str, **params):
    scenario = get_scenario(scenario_id)
    return run_scenario(scenario, scenario.resolve(params))


@pytest.fixture(scope="module")
def semaphore_report():
    return run("sharing-data", tool="semaphore")


def shown_timeline(qtbot, report, index: int) -> TaskTimeline:
    """A timeline holding ``report``'s measurements, showing number ``index``."""
    timeline = TaskTimeline()
    qtbot.addWidget(timeline)
    timeline.resize(900, 360)
    timeline.show()
    timeline.reset(report.origin)
    for entry in report.runs:
        m = entry.measurement
        label = measurement_label(m.series, m.backend, m.pool_size, m.repeat, 1)
        timeline.begin_measurement(label)
        timeline.add_spans(entry.spans, label)
        if entry.locks:
            timeline.add_locks(entry.locks, label)
    timeline.settle()
    timeline.show_measurement(timeline.measurement_labels()[index])
    timeline.refresh()
    return timeline


def drawn(timeline: TaskTimeline, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    opts = timeline._locks.items[kind].opts
    return np.asarray(opts["x0"]), np.asarray(opts["x1"]), np.asarray(opts["y0"])


def test_a_semaphore_of_two_shows_two_holders_at_most_in_its_lanes(qtbot, semaphore_report):
    timeline = shown_timeline(qtbot, semaphore_report, 0)
    workers = timeline.worker_labels()
    assert len(workers) == 6  # lanes in the workers' order, one per thread
    assert timeline.lane_labels() == [f"Semaphore(2) · {w.split()[-1]}" for w in workers]
    ticks = timeline.plot_item().getAxis("left")._tickLevels[0]
    assert [label for _, label in ticks] == workers + timeline.lane_labels()
    x0, x1, y0 = drawn(timeline, "lock_hold")
    assert len(x0) == 6 and (y0 > len(workers) - 1).all()  # below the worker rows
    edges = sorted((t, s) for a, b in zip(x0, x1, strict=True) for t, s in ((a, 1), (b, -1)))
    assert max(np.cumsum([s for _, s in edges])) == 2  # as drawn: two at once, never three
    assert len(drawn(timeline, "lock_wait")[0]) == 6
    assert max_holders_at_once(LockLanes(semaphore_report.runs[0].locks), "Semaphore(2)") == 2
    # Hover on a waiting lane names the lock and the times.
    hold = max(semaphore_report.runs[0].locks.holds, key=lambda h: h.waited)
    row = len(workers) + timeline.lane_labels().index(f"Semaphore(2) · {hold.thread}")
    middle = (hold.requested + hold.acquired) / 2 - semaphore_report.origin
    text = timeline.describe_at(QPointF(middle, row))
    assert f"{hold.thread} waited" in text and "for Semaphore(2), then held it" in text
    assert "lock lanes" in timeline._legend.text()
    timeline.show_measurement(timeline.measurement_labels()[1])  # the permit spans: no lock
    assert timeline.lane_labels() == [] and len(drawn(timeline, "lock_hold")[0]) == 0


def test_lost_updates_are_marked_on_the_writers_row(qtbot):
    report = run("sharing-data", tool="lock")
    timeline = shown_timeline(qtbot, report, 0)  # the run without the lock
    lost = report.runs[0].locks.lost_updates
    assert lost, "the race lost no update this time"
    x0, x1, y0 = drawn(timeline, "lost")
    assert 0 < len(x0) <= len(lost)  # ticks closer than a pixel are drawn as one
    workers = timeline.worker_labels()
    rows = np.round(y0 + 0.5).astype(int)
    for update in lost:  # every lost write lies under a tick on its own thread's row
        row = [w.endswith(f" {update.thread}") for w in workers].index(True)
        at = update.write - report.origin
        assert ((rows == row) & (x0 <= at + 1e-9) & (at <= x1 + 1e-9)).any()
    assert timeline.lane_labels() == []  # no lock, no lanes
    assert f"{len(lost):,} lost updates" in timeline._legend.text()
    first = lost[0]
    row = [w.endswith(first.thread) for w in workers].index(True)
    text = timeline.describe_at(QPointF(first.write - report.origin, row - 0.45))
    assert text.startswith(f"Lost update by {first.thread}")


def test_a_saved_run_replays_its_lock_events(semaphore_report):
    events = [e for e in replay_events(semaphore_report) if isinstance(e, LocksRecorded)]
    assert [e.series for e in events] == ["threading.Semaphore(2)"]
    assert events[0].locks is semaphore_report.runs[0].locks


def test_the_window_draws_the_lanes_of_a_live_run(qtbot, lab_window):
    lab_window.select_scenario("sharing-data")
    lab_window.set_param("tool", "semaphore")
    report = run_to_end(qtbot, lab_window)
    assert report.state == "completed"
    timeline = lab_window.ui.timeline
    label = next(x for x in timeline.measurement_labels() if x.startswith("threading.Sema"))
    timeline.show_measurement(label)
    timeline.refresh()
    assert len(timeline.lane_labels()) == 6
    assert len(drawn(timeline, "lock_hold")[0]) == 6
