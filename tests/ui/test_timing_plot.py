"""The timing plot draws a curve with error bars per backend, the ideal curve and the cores."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest

from desktop_app.engine.records import Measurement
from desktop_app.ui.plots.timing_plot import TimingPlot


def _m(backend: str, size: int, wall: float, repeat: int = 0, series: str = "cpu") -> Measurement:
    return Measurement(series, backend, size, repeat, wall, 0.0, "completed", 8)


@pytest.fixture
def plot(qtbot):
    widget = TimingPlot()
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.show()
    widget.set_cores(2)
    return widget


def _named_curves(plot_item: pg.PlotItem) -> dict[str, pg.PlotDataItem]:
    """The curves on show (the plot keeps hidden ones for later runs)."""
    items = plot_item.listDataItems()
    return {item.name(): item for item in items if item.name() and item.isVisible()}


def _legend_names(plot_item: pg.PlotItem) -> list[str]:
    return [label.text for sample, label in plot_item.legend.items if label.isVisible()]


def test_each_backend_gets_a_curve_with_error_bars_and_an_ideal_curve(plot):
    for size in (1, 2, 4):
        for repeat, jitter in enumerate((0.0, 0.1, 0.2)):
            plot.add_measurement(_m("serial", size, 1.0 + jitter, repeat))
            plot.add_measurement(_m("processes", size, 1.0 / min(size, 2) + jitter, repeat))
    assert plot.is_dirty()
    plot.refresh()
    assert not plot.is_dirty()
    curves = _named_curves(plot.plot_item())
    assert {"serial", "processes", "ideal: serial / min(p, cores)"} <= set(curves)
    x, y = curves["processes"].getData()
    assert np.allclose(x, np.log2([1, 2, 4]))
    assert np.allclose(y, [1.1, 0.6, 0.6])
    serial_x, _ = curves["serial"].getData()
    assert np.allclose(serial_x, [0.0]), "serial runs are drawn at pool size 1"
    ideal_x, ideal_y = curves["ideal: serial / min(p, cores)"].getData()
    assert ideal_y[0] == pytest.approx(1.1) and ideal_y[-1] == pytest.approx(0.55)
    bars = [item for item in plot.plot_item().items if isinstance(item, pg.ErrorBarItem)]
    assert len(bars) == 2
    lines = [item for item in plot.plot_item().items if isinstance(item, pg.InfiniteLine)]
    assert any(line.value() == pytest.approx(1.0) for line in lines)
    # the line is named by a tick label under the axis, never by a label over the data
    ticks = dict(plot.plot_item().getAxis("bottom")._tickLevels[0])
    assert ticks[1.0] == "2 cores"
    assert not any(getattr(line, "label", None) for line in lines)


def test_core_count_gets_its_own_tick_when_it_is_not_a_pool_size():
    from desktop_app.ui.plots.timing_axes import pool_ticks

    assert pool_ticks([1, 2, 4], 2) == [[(0.0, "1"), (1.0, "2 cores"), (2.0, "4")], []]
    major = pool_ticks([1, 4, 16], 12)[0]
    assert [text for _, text in major] == ["1", "4", "12 cores", "16"]
    assert pool_ticks([1, 2], 1)[0][0] == (0.0, "1 core")


def test_speedup_view_has_ideal_and_measured_speedup(plot):
    for size in (1, 2, 4, 8):
        plot.add_measurement(_m("serial", size, 2.0))
        plot.add_measurement(_m("threads", size, 2.0))
        plot.add_measurement(_m("processes", size, 2.0 / min(size, 2)))
    plot.refresh()
    curves = _named_curves(plot._speedup)
    assert np.allclose(curves["processes"].getData()[1], [1, 2, 2, 2])
    assert np.allclose(curves["threads"].getData()[1], [1, 1, 1, 1])
    assert np.allclose(curves["ideal, CPU-bound: min(p, cores)"].getData()[1][-1], 2.0)


def test_points_appear_per_size_and_refresh_is_a_no_op_when_clean(plot):
    plot.add_measurement(_m("processes", 2, 0.5))
    plot.refresh()
    assert len(_named_curves(plot.plot_item())["processes"].getData()[0]) == 1
    plot.add_measurement(_m("processes", 4, 0.4))
    plot.refresh()
    assert len(_named_curves(plot.plot_item())["processes"].getData()[0]) == 2
    plot.refresh()  # clean: nothing to do, nothing breaks
    assert len(plot.measurements()) == 2


def test_failed_measurements_are_not_plotted_and_clear_empties(plot):
    plot.add_measurement(Measurement("cpu", "processes", 2, 0, 9.9, 0.0, "failed", 8))
    plot.add_measurement(_m("processes", 4, 0.4))
    plot.refresh()
    x, _ = _named_curves(plot.plot_item())["processes"].getData()
    assert np.allclose(x, [2.0])
    plot.clear()
    assert plot.measurements() == []
    assert "processes" not in _named_curves(plot.plot_item())


def test_a_rerun_shows_the_kept_curves_again_and_the_legend_lists_only_what_is_shown(plot):
    plot.add_measurement(_m("serial", 1, 1.0))
    plot.add_measurement(_m("processes", 2, 0.5))
    plot.refresh()
    first = _named_curves(plot.plot_item())["processes"]
    shown = {"serial", "processes", "ideal: serial / min(p, cores)"}
    assert set(_legend_names(plot.plot_item())) == shown
    plot.clear((2,))
    plot.refresh()
    assert _named_curves(plot.plot_item()) == {}
    assert _legend_names(plot.plot_item()) == []
    plot.add_measurement(_m("serial", 1, 0.8))
    plot.add_measurement(_m("processes", 2, 0.3))
    plot.refresh()
    again = _named_curves(plot.plot_item())["processes"]
    assert again is first, "the same item, shown again: no 5-9 ms rebuild"
    assert np.allclose(again.getData()[1], [0.3])
    assert sorted(_legend_names(plot.plot_item())) == sorted(shown)


def test_the_legend_box_fits_the_rows_on_show(plot):
    plot.add_measurement(_m("serial", 1, 1.0))
    plot.add_measurement(_m("threads", 2, 0.9))
    plot.add_measurement(_m("processes", 2, 0.5))
    plot.refresh()
    legend = plot.plot_item().legend
    box = legend.boundingRect()
    full = box.width() * box.height()
    plot.clear((2,))
    plot.add_measurement(_m("serial", 1, 1.0))
    plot.refresh()
    assert set(_legend_names(plot.plot_item())) == {"serial", "ideal: serial / min(p, cores)"}
    box = legend.boundingRect()
    assert box.height() > 0 and 0 < box.width() * box.height() < full


def test_curves_past_the_kept_number_are_removed_stalest_first(plot):
    from desktop_app.ui.plots.timing_plot import KEPT_CURVES

    for run in range(KEPT_CURVES + 4):
        plot.clear((2,))
        plot.add_measurement(_m("processes", 2, 0.5, series=f"series {run}"))
        plot.refresh()
    plot.clear((2,))
    kept = [
        item
        for item in plot.plot_item().listDataItems()
        if item.name() and isinstance(item, pg.PlotDataItem)  # not the point marks' one item
    ]
    assert len(kept) <= 2 * KEPT_CURVES  # backends' curves and the ideal curves, each capped


def _y_top(plot) -> float:
    return plot.plot_item().getViewBox().viewRange()[1][1]


def test_during_a_run_the_wall_axis_keeps_a_top_that_still_fits_and_settles_at_the_end(plot):
    """Each new top re-lays the axis and grid; a sweep's running maximum moves, so during a run
    the top only moves when the data outgrows it or fills less than half of it."""
    plot.clear((1, 2, 4))
    for size, wall in ((1, 0.05), (2, 0.03), (4, 0.07)):
        plot.add_measurement(_m("processes", size, wall))
    plot.refresh()
    plot.settle()
    plot.refresh()
    settled = _y_top(plot)
    assert settled >= 0.07 * 1.08

    plot.clear((1, 2, 4))  # the same sweep again: the first point alone would want a lower top
    plot.add_measurement(_m("processes", 1, 0.05))
    plot.refresh()
    assert _y_top(plot) == pytest.approx(settled), "a top that still fits stays during the run"
    plot.add_measurement(_m("processes", 2, 0.2))
    plot.refresh()
    assert _y_top(plot) >= 0.2 * 1.08, "data that outgrows the top moves it at once"
    plot.settle()
    plot.refresh()
    assert _y_top(plot) >= 0.2 * 1.08

    plot.clear((1, 2, 4))  # a much smaller run: a top over twice what it needs does not stay
    plot.add_measurement(_m("processes", 1, 0.01))
    plot.refresh()
    assert _y_top(plot) < 0.05
    plot.add_measurement(_m("processes", 2, 0.007))
    plot.refresh()
    live = _y_top(plot)
    plot.settle()
    plot.refresh()
    assert _y_top(plot) == pytest.approx(live) and _y_top(plot) >= 0.01 * 1.08


def _io_vs_cpu(plot, noisy: bool = False, bound: bool = True) -> None:
    """io-vs-cpu's shape: serial and 4 threads per series, each series bound as the lesson says
    (``bound=False``: the measurements say nothing, as older ones did)."""
    for repeat in range(3):
        for series, serial, threads in (("io", 0.84, 0.22), ("cpu", 0.8, 0.83)):
            wall = threads + (0.4 if noisy and repeat == 1 and series == "io" else 0.0)
            for backend, size, w in (("serial", 1, serial), ("threads", 4, wall)):
                extra = (series,) if bound else ()
                plot.add_measurement(
                    Measurement(series, backend, size, repeat, w, 0.0, "completed", 8, *extra)
                )


def test_io_bound_work_gets_its_own_uncapped_ideal_in_its_own_colour(plot):
    """Waiting needs no core: the I/O ideal is serial / p, so 4 threads at 0.22 s of a 0.84 s
    serial run do not beat it; the CPU ideal stays capped at the cores, drawn apart."""
    _io_vs_cpu(plot)
    plot.refresh()
    walls = _named_curves(plot.plot_item())
    io_wall = walls["ideal · io: serial / p"]
    cpu_wall = walls["ideal · cpu: serial / min(p, cores)"]
    assert io_wall.getData()[1][-1] == pytest.approx(0.84 / 4)
    assert cpu_wall.getData()[1][-1] == pytest.approx(0.8 / 2)
    threads_io = walls["io · threads"].getData()[1][-1]
    assert threads_io >= io_wall.getData()[1][-1], "no measurement beats its ideal"
    speeds = _named_curves(plot._speedup)
    io_speed = speeds["ideal, I/O-bound: p"]
    cpu_speed = speeds["ideal, CPU-bound: min(p, cores)"]
    assert io_speed.getData()[1][-1] == pytest.approx(4.0)
    assert cpu_speed.getData()[1][-1] == pytest.approx(2.0)
    io_pen, cpu_pen = io_speed.opts["pen"], cpu_speed.opts["pen"]
    assert io_pen.color().name() != cpu_pen.color().name(), "two models, two colours"
    assert io_pen.style() != cpu_pen.style(), "and two dashes, for grey prints"
    assert plot._speedup.getViewBox().viewRange()[1][1] >= 4.0, "the I/O ideal is not cut off"


@pytest.mark.parametrize("size", [(1280, 800), (1000, 650), (640, 480), (420, 300)])
def test_no_legend_covers_data_at_any_size(plot, qtbot, size):
    """The legends sit in a row of their own: never over a plot's data area, never cut off."""
    plot.resize(*size)
    _io_vs_cpu(plot, bound=False)
    for view, plots in ((0, (plot._wall,)), (1, (plot._speedup, plot._efficiency))):
        plot.set_current_view(view)
        plot.refresh()
        qtbot.wait(20)  # the layouts settle
        legend = plots[0].legend
        assert len(_legend_names(plots[0])) >= 3
        box = legend.sceneBoundingRect()
        assert box.height() > 0
        for item in plots:
            assert not box.intersects(item.getViewBox().sceneBoundingRect())
        view_widget = legend.scene().views()[0]
        assert box.top() >= 0 and box.left() >= 0
        assert box.bottom() <= view_widget.height() + 1 and box.right() <= view_widget.width() + 1


def test_the_export_item_holds_the_shown_plots_and_their_legend(plot, qtbot):
    _io_vs_cpu(plot, noisy=True)
    for view in (0, 1):
        plot.set_current_view(view)
        plot.refresh()
        qtbot.wait(20)
        item = plot.export_item()
        legend = plot.legend(("wall", "speed")[view])
        assert item.sceneBoundingRect().contains(legend.sceneBoundingRect())
        shown = (plot._wall,) if view == 0 else (plot._speedup, plot._efficiency)
        for plot_item in shown:
            assert item.sceneBoundingRect().contains(plot_item.sceneBoundingRect())


def test_a_noisy_point_is_ringed_and_its_tooltip_says_why(plot):
    _io_vs_cpu(plot, noisy=True)
    plot.refresh()
    plot.set_current_view(1)
    plot.refresh()
    for view in ("wall", "speedup", "efficiency"):
        texts = plot.noisy_point_texts(view)
        assert len(texts) == 1, view
        assert "io · threads" in texts[0] and "noisy" in texts[0]
        assert "median" in texts[0] and "% of the median" in texts[0], "the reason, in numbers"
    assert "noisy: repeats disagree (hover a point)" in plot.legend("wall").visible_names()
    assert (
        plot.legend("speed").visible_names().count("noisy: repeats disagree (hover a point)") == 1
    )


def test_the_pool_size_axis_says_it_is_log2(plot):
    assert "log₂" in plot._wall.getAxis("bottom").labelText
    speed = plot._efficiency.getAxis("bottom").labelText or plot._speed_x_label.text
    assert "log₂" in speed, "the speed view's plots share one label below them"


def _axis_label_boxes(plot) -> list:
    boxes = []
    for item in (plot._speedup, plot._efficiency):
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            if axis.isVisible() and axis.label.isVisible() and axis.labelText:
                boxes.append((f"{side} of {id(item)}", axis.label.sceneBoundingRect()))
    shared = getattr(plot, "_speed_x_label", None)  # one pool-size label under both plots
    if shared is not None:
        boxes.append(("pool-size label", shared.item.sceneBoundingRect()))
    return boxes


@pytest.mark.parametrize("size", [(498, 180), (498, 240), (700, 250), (1000, 650)])
def test_axis_labels_never_overlap_at_small_sizes(plot, qtbot, size):
    """In a 640 x 480 window the speed view got ~500 x 110 px: the stacked plots were shorter
    than their rotated labels, which overlapped. The plot keeps a minimum size and lays the
    two plots side by side or stacked, whichever leaves them room."""
    plot.resize(*size)
    _io_vs_cpu(plot, bound=False)
    plot.set_current_view(1)
    plot.refresh()
    qtbot.wait(30)
    boxes = _axis_label_boxes(plot)
    assert len(boxes) >= 3
    for index, (name, box) in enumerate(boxes):
        for other, other_box in boxes[index + 1 :]:
            assert not box.intersects(other_box), f"{name} overlaps {other} at {size}"
    for item in (plot._speedup, plot._efficiency):
        cell = item.getViewBox().sceneBoundingRect()
        assert cell.height() >= 60 and cell.width() >= 120, f"a usable plot at {size}"
