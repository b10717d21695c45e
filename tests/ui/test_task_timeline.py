"""The task timeline: a row per worker, bars per outcome, running tasks, 100,000 spans."""

from __future__ import annotations

from array import array

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from desktop_app.engine.records import SpanTable, TaskSpan
from desktop_app.ui.plots.task_timeline import TaskTimeline

ORIGIN = 1000.0


@pytest.fixture
def timeline(qtbot):
    widget = TaskTimeline()
    qtbot.addWidget(widget)
    widget.resize(900, 320)
    widget.show()
    widget.reset(ORIGIN)
    return widget


def _bars(widget: TaskTimeline, name: str) -> np.ndarray:
    return widget._bars[name]._rectarray.ndarray()


def _table(spans: list[TaskSpan]) -> SpanTable:
    table = SpanTable()
    for span in spans:
        table.append(span)
    return table


def test_rows_per_worker_and_bars_by_outcome(timeline):
    timeline.begin_measurement("cpu: processes × 2, repeat 1")
    timeline.add_spans(
        _table(
            [
                TaskSpan(0, 11, "MainThread", ORIGIN + 0.0, ORIGIN + 0.5, True),
                TaskSpan(1, 12, "MainThread", ORIGIN + 0.0, ORIGIN + 0.4, True),
                TaskSpan(2, 12, "MainThread", ORIGIN + 0.5, ORIGIN + 0.9, False),
            ]
        )
    )
    timeline.refresh()
    assert timeline.worker_labels() == ["pid 11", "pid 12"]
    failed = _bars(timeline, "failed")
    assert len(failed) == 1 and failed[0][0] == pytest.approx(0.5)
    assert len(_bars(timeline, "ok")) + len(_bars(timeline, "ok_alt")) == 2
    ticks = timeline.plot_item().getAxis("left")._tickLevels[0]
    assert [label for _, label in ticks] == ["pid 11", "pid 12"]
    text = timeline.describe_at(QPointF(0.7, 1.0))
    assert "task 2" in text and "pid 12" in text and "failed" in text


def test_running_tasks_are_drawn_until_now(timeline):
    timeline.begin_measurement("m")
    timeline.add_spans(_table([TaskSpan(0, 11, "MainThread", ORIGIN, ORIGIN + 0.2, True)]))
    timeline.set_running(((11, 1, ORIGIN + 0.2), (13, 2, ORIGIN + 0.1)), ORIGIN + 0.6)
    timeline.refresh()
    running = _bars(timeline, "running")
    assert len(running) == 2
    assert sorted(float(r[0] + r[2]) for r in running) == pytest.approx([0.6, 0.6])
    assert "pid 13" in timeline.worker_labels(), "a worker with no finished task gets a row"
    timeline.set_running((), ORIGIN + 0.7)
    timeline.refresh()
    assert len(_bars(timeline, "running")) == 0


def test_earlier_measurements_stay_selectable(timeline):
    timeline.begin_measurement("first")
    timeline.add_spans(_table([TaskSpan(0, 11, "MainThread", ORIGIN, ORIGIN + 1, True)]))
    timeline.begin_measurement("second")
    timeline.add_spans(
        _table(
            [TaskSpan(i, 12, "MainThread", ORIGIN + i, ORIGIN + i + 0.5, True) for i in range(3)]
        )
    )
    timeline.refresh()
    assert timeline.shown_measurement() == "second" and timeline.span_count() == 3
    timeline.show_measurement("first")
    assert timeline.span_count() == 1 and timeline.worker_labels() == ["pid 11"]
    timeline.begin_measurement("third")  # the user chose an older one: stay on it
    assert timeline.shown_measurement() == "first"
    assert timeline.measurement_labels() == ["first", "second", "third"]


def test_hundred_thousand_spans_draw_with_a_few_items(timeline, qtbot):
    timeline.begin_measurement("square: processes × 4, repeat 1")
    per_worker = 25_000
    for worker in range(4):
        starts = array("d", (ORIGIN + i * 2e-5 for i in range(per_worker)))
        ends = array("d", (s + 1.5e-5 for s in starts))
        table = SpanTable()
        table.extend_chunk(
            worker * per_worker,
            100 + worker,
            "MainThread",
            starts,
            ends,
            array("b", [1] * per_worker),
        )
        timeline.add_spans(table)
    items_before = len(timeline._view.scene().items())
    timeline.refresh()
    qtbot.waitUntil(lambda: not timeline.is_dirty(), timeout=10_000)
    timeline.grab()  # paints every bar item
    assert timeline.span_count() == 100_000
    assert len(timeline._view.scene().items()) == items_before
    drawn = sum(len(_bars(timeline, name)) for name in ("ok", "ok_alt"))
    assert 4 <= drawn < 20_000, "sub-pixel tasks are merged, not drawn one by one"
    starts = np.concatenate([_bars(timeline, name)[:, 0] for name in ("ok", "ok_alt")])
    ends = np.concatenate(
        [(b[:, 0] + b[:, 2]) for b in (_bars(timeline, "ok"), _bars(timeline, "ok_alt"))]
    )
    assert starts.min() == pytest.approx(0.0) and ends.max() == pytest.approx(
        24_999 * 2e-5 + 1.5e-5
    )


def test_thread_workers_get_one_row_each(timeline):
    timeline.begin_measurement("io: threads × 2, repeat 1")
    timeline.add_spans(
        _table(
            [
                TaskSpan(0, 5, "lab-threads-2_0", ORIGIN, ORIGIN + 0.1, True),
                TaskSpan(1, 5, "lab-threads-2_1", ORIGIN, ORIGIN + 0.1, True),
            ]
        )
    )
    timeline.refresh()
    assert timeline.worker_labels() == ["pid 5 lab-threads-2_0", "pid 5 lab-threads-2_1"]


def _x_range(widget: TaskTimeline) -> tuple[float, float]:
    x0, x1 = widget.plot_item().getViewBox().viewRange()[0]
    return x0, x1


def _span_until(task: int, end: float) -> SpanTable:
    return _table([TaskSpan(task, 11, "MainThread", ORIGIN + end - 0.1, ORIGIN + end, True)])


def test_during_a_run_the_time_axis_follows_the_tasks_in_steps_and_fits_them_at_the_end(
    timeline,
):
    """Following the tasks every frame re-laid the axis and re-merged every span each time."""
    timeline.begin_measurement("cpu: processes × 2")
    timeline.add_spans(_span_until(0, 1.0))
    timeline.refresh()
    first = _x_range(timeline)
    assert first[0] <= 0.9 and first[1] >= 1.0, "the tasks are on show"
    assert first[1] > 1.09, "with room to grow: twice the tasks' extent"
    timeline.add_spans(_span_until(1, 1.05))
    timeline.refresh()
    assert _x_range(timeline) == pytest.approx(first), "tasks that still fit leave the axis"
    timeline.add_spans(_span_until(2, 3.0))
    timeline.refresh()
    grown = _x_range(timeline)
    assert grown[1] >= 3.0 > first[1], "tasks that outgrow it move it at once"
    timeline.set_running(((11, 3, ORIGIN + 3.0),), now=ORIGIN + 9.0)
    timeline.refresh()
    assert _x_range(timeline)[1] >= 9.0, "a running task's bar is followed too"
    timeline.set_running((), now=ORIGIN + 9.0)
    timeline.settle()
    timeline.refresh()
    x0, x1 = _x_range(timeline)
    assert x0 == pytest.approx(0.9, abs=0.1) and x1 == pytest.approx(3.0, abs=0.1), (
        "once the run is over the axis fits the tasks"
    )


def test_a_view_the_user_moved_is_left_alone(timeline):
    timeline.begin_measurement("cpu: processes × 2")
    timeline.add_spans(_span_until(0, 1.0))
    timeline.refresh()
    box = timeline.plot_item().getViewBox()
    box.setXRange(0.2, 0.4, padding=0)
    box.sigRangeChangedManually.emit(box.state["mouseEnabled"])  # what a drag or wheel emits
    timeline.add_spans(_span_until(1, 5.0))
    timeline.refresh()
    timeline.settle()
    timeline.refresh()
    assert _x_range(timeline) == pytest.approx((0.2, 0.4))


def test_a_microsecond_task_is_drawn_at_least_a_pixel_wide(timeline):
    """Bars carry no outline (it doubled a repaint), so a tiny task gets a pixel of width."""
    timeline.begin_measurement("square: pool × 1")
    timeline.add_spans(
        _table(
            [
                TaskSpan(0, 11, "MainThread", ORIGIN + 0.0, ORIGIN + 1.0, True),
                TaskSpan(1, 11, "MainThread", ORIGIN + 2.0, ORIGIN + 2.000001, True),
            ]
        )
    )
    timeline.settle()
    timeline.refresh()
    pixel = timeline.plot_item().getViewBox().viewPixelSize()[0]
    bars = np.concatenate([_bars(timeline, "ok"), _bars(timeline, "ok_alt")])
    tiny = bars[np.isclose(bars[:, 0], 2.0)]
    assert len(tiny) == 1 and tiny[0][2] >= 0.99 * pixel  # rect: x, y, width, height


def test_back_to_back_tasks_of_a_worker_never_share_a_shade(timeline):
    """Tasks 0, 4, 8 on one worker (every fourth: all even) touch end to start; shading by task
    parity drew them as one long bar. Along a row the shade alternates, whatever the numbers."""
    timeline.begin_measurement("io: threads × 4, repeat 1")
    spans = []
    for slot, task in enumerate((0, 4, 8, 12, 16)):
        spans.append(TaskSpan(task, 11, "MainThread", ORIGIN + slot, ORIGIN + slot + 1, True))
    for slot, task in enumerate((1, 3, 5)):  # another worker: its own alternation from its start
        spans.append(TaskSpan(task, 12, "MainThread", ORIGIN + slot, ORIGIN + slot + 1, True))
    timeline.add_spans(_table(spans))
    timeline.settle()
    timeline.refresh()
    bars = [(rect[1], rect[0], name) for name in ("ok", "ok_alt") for rect in _bars(timeline, name)]
    for row in {y for y, _, _ in bars}:
        shades = [name for y, _, name in sorted(bars) if y == row]
        assert len(shades) in (5, 3)
        assert all(a != b for a, b in zip(shades, shades[1:], strict=False)), shades


def test_one_worker_row_keeps_a_plain_axis_label(timeline, qtbot):
    """One row makes a tiny y range; the label must not turn into "Worker (x0.001)"."""
    timeline.begin_measurement("cpu: serial × 1")
    timeline.add_spans(_table([TaskSpan(0, 11, "MainThread", ORIGIN, ORIGIN + 0.2, True)]))
    timeline.refresh()
    qtbot.wait(50)
    axis = timeline.plot_item().getAxis("left")
    axis.updateAutoSIPrefix()
    assert "Worker" in axis.labelString()
    assert "x0" not in axis.labelString() and "(x" not in axis.labelString()


def test_the_header_never_widens_the_tab(timeline, qtbot):
    """A long interpreter verdict and legend wrap or clip: in one row they made the tab 1000+ px
    wide and squeezed the window's chooser (seen at 1280×720 after an io-vs-cpu run)."""
    timeline.begin_measurement("cpu: asyncio × 4", "waiting for a core (other programs had it)")
    timeline.set_interpreter("Python 3.13.15 free-threaded · GIL off while the tasks ran (4/4)")
    qtbot.wait(1)
    assert timeline.minimumSizeHint().width() < 420  # was 1243
