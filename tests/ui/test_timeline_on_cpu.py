"""The timeline's on-CPU fill: CPU-bound threads take turns, processes do not (issue 14)."""

from __future__ import annotations

import os
import statistics

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from desktop_app import workloads
from desktop_app.engine.executors import make_executor
from desktop_app.engine.records import SpanTable, TaskSpan
from desktop_app.ui.plots.task_timeline import TaskTimeline
from desktop_app.ui.plots.timeline_bars import BAR_HEIGHT
from desktop_app.ui.viewmodels.timeline_spans import MeasurementSpans, lod_bars, segment_shares
from desktop_app.ui.viewmodels.waiting import waiting_for


@pytest.fixture
def timeline(qtbot):
    widget = TaskTimeline()
    qtbot.addWidget(widget)
    widget.resize(900, 320)
    widget.show()
    return widget


def _run(kind: str, tasks: int = 6, milliseconds: float = 20.0) -> SpanTable:
    executor = make_executor(kind, 2)
    try:
        burn = workloads.burn_iterations(milliseconds)
        outcome = executor.map(workloads.cpu_burn, [burn] * tasks, chunksize=1)
    finally:
        executor.shutdown()
    assert outcome.state == "completed"
    return outcome.spans


def _fills(widget: TaskTimeline) -> tuple[np.ndarray, np.ndarray]:
    """(filled height / bar height of every finished bar, the waiting bars' rectangles)."""
    rects = [widget._bars[name]._rectarray.ndarray() for name in ("ok", "ok_alt")]
    heights = np.concatenate([r[:, 3] for r in rects]) / BAR_HEIGHT
    waiting = [widget._bars[name]._rectarray.ndarray() for name in ("waiting", "waiting_alt")]
    return heights, np.concatenate(waiting)


def test_cpu_bound_threads_fill_about_one_core_between_them(timeline):
    spans = _run("threads")
    timeline.reset(min(spans.start))
    timeline.begin_measurement("cpu: threads × 2", waiting_for("threads", "cpu"))
    timeline.add_spans(spans)
    timeline.refresh()
    heights, waiting = _fills(timeline)
    wall = max(spans.end) - min(spans.start)
    cpu = sum(span.cpu for span in spans)
    assert cpu <= 1.1 * wall, (cpu, wall)  # one core's worth at most, on any machine
    assert statistics.mean(heights) < 0.75, heights  # each bar about half full: turns
    assert len(waiting) == len(spans)  # every bar has a pale waiting part behind it
    first = spans[0]
    text = timeline.describe_at(QPointF((first.start + first.end) / 2 - min(spans.start), 0))
    text = text or timeline.describe_at(
        QPointF((first.start + first.end) / 2 - min(spans.start), 1)
    )
    assert "on a CPU" in text and "waiting for the GIL" in text, text


def test_cpu_bound_processes_fill_their_bars(timeline):
    load = os.getloadavg()[0]
    if load >= 1.5:
        pytest.skip(f"other programs hold the cores (load average {load:.1f} on 2 cores)")
    spans = _run("processes")
    timeline.reset(min(spans.start))
    timeline.begin_measurement("cpu: processes × 2", waiting_for("processes", "cpu"))
    timeline.add_spans(spans)
    timeline.refresh()
    heights, _waiting = _fills(timeline)
    assert statistics.median(heights) > 0.6, (heights, os.getloadavg())


def test_merged_bars_fill_to_their_spans_cpu_time_over_wall_time():
    start = np.array([0.0, 1.0, 2.0, 10.0])
    end = np.array([1.0, 2.0, 4.0, 11.0])
    on_cpu = np.array([1.0, 0.5, -1.0, -1.0])  # the last two not measured
    shares = segment_shares(start, end, on_cpu, np.array([0, 3]))
    assert list(shares) == [0.75, 1.0]  # (1 + 0.5) s of CPU over 2 measured s; unknown: full


def test_unmeasured_spans_draw_full_bars_and_no_waiting():
    shown = MeasurementSpans("x")
    table = SpanTable()
    table.append(TaskSpan(0, 5, "MainThread", 0.0, 1.0, True))
    table.append(TaskSpan(1, 5, "MainThread", 1.0, 2.0, True, 0.25))
    shown.add(table)
    shown.consolidate()
    data = lod_bars(shown, 0.0, pixel=1e-3)
    fills = sorted(np.concatenate([data["ok"][3], data["ok_alt"][3]]))
    assert fills == [0.25, 1.0]
    assert len(data["waiting"][0]) + len(data["waiting_alt"][0]) == 1


def test_what_a_task_waits_for_is_named_as_the_lesson_knows_it():
    assert waiting_for("threads", "io") == "waiting for I/O"
    assert "GIL" in waiting_for("threads", "cpu")
    assert "core" in waiting_for("processes", "cpu")
    assert waiting_for("a lesson's own", "cpu") == "waiting"
