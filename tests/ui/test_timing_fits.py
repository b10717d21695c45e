"""The speedup plot's Amdahl fit: a dotted curve per sweep naming its serial fraction."""

from __future__ import annotations

import pytest

from desktop_app.engine.records import Measurement
from desktop_app.ui.plots.timing_plot import TimingPlot


def _m(backend: str, size: int, wall: float, repeat: int = 0) -> Measurement:
    return Measurement("cpu", backend, size, repeat, wall, 0.0, "completed", 8)


@pytest.fixture
def plot(qtbot):
    widget = TimingPlot()
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.show()
    widget.set_cores(8)
    return widget


def test_a_sweep_gets_an_amdahl_curve_that_recovers_its_serial_fraction(plot):
    for repeat in range(3):
        plot.add_measurement(_m("serial", 1, 1.0, repeat))
        for size in (1, 2, 4, 8):
            plot.add_measurement(_m("processes", size, 0.25 + 0.75 / size, repeat))
    plot.refresh()
    result = plot._fits.fits[("cpu", "processes")]
    assert result.values[0] == pytest.approx(0.25, abs=1e-6)
    names = [item.name() for item in plot._speedup.listDataItems() if item.isVisible()]
    assert any(name and name.startswith("Amdahl fit · processes: serial 25%") for name in names)


def test_one_pool_size_draws_no_fit(plot):
    plot.add_measurement(_m("serial", 1, 1.0))
    plot.add_measurement(_m("processes", 2, 0.6))
    plot.refresh()
    assert plot._fits.fits == {}


def test_each_speedup_gets_its_bootstrap_interval_as_an_error_bar(plot):
    for repeat, jitter in enumerate((0.0, 0.05, -0.04, 0.02)):
        plot.add_measurement(_m("serial", 1, 1.0 + jitter, repeat))
        for size in (2, 4):
            plot.add_measurement(_m("processes", size, 1.0 / size + jitter / 4, repeat))
    plot.refresh()
    intervals = plot._fits.intervals[("cpu", "processes")]
    assert len(intervals) == 2
    for (low, high), speedup in zip(intervals, (2.0, 4.0), strict=True):
        assert low < high and low <= speedup * 1.1 and speedup * 0.9 <= high
    assert plot._fits.bars[("cpu", "processes")].isVisible()


def test_three_sizes_add_a_usl_curve_that_names_contention_and_a_turn_down(plot):
    """Speedups that fall past a peak: Amdahl cannot draw the fall, the USL curve does, and
    its legend names the contention and coherence it recovered."""
    sigma, kappa = 0.05, 0.02
    for repeat in range(2):
        plot.add_measurement(_m("serial", 1, 1.0, repeat))
        for size in (1, 2, 4, 8, 16):
            speedup = size / (1 + sigma * (size - 1) + kappa * size * (size - 1))
            plot.add_measurement(_m("processes", size, 1.0 / speedup, repeat))
    plot.set_cores(16)
    plot.refresh()
    usl = plot._fits.fits[("usl", ("cpu", "processes"))]
    assert usl.values == pytest.approx((sigma, kappa), abs=1e-6)
    names = [item.name() for item in plot._speedup.listDataItems() if item.isVisible()]
    assert "USL fit · processes: contention 5%, coherence 2.0% (peaks at 6.9 workers)" in names


def test_two_sizes_draw_amdahl_but_no_usl_curve(plot):
    for repeat in range(2):
        plot.add_measurement(_m("serial", 1, 1.0, repeat))
        plot.add_measurement(_m("processes", 2, 0.6, repeat))
        plot.add_measurement(_m("processes", 4, 0.4, repeat))
    plot.refresh()
    assert ("cpu", "processes") in plot._fits.fits
    assert ("usl", ("cpu", "processes")) not in plot._fits.fits
    names = [item.name() for item in plot._speedup.listDataItems() if item.isVisible()]
    assert not any(name and name.startswith("USL fit") for name in names)


def test_a_sweep_past_the_cores_is_fitted_on_the_cores_and_its_curve_flattens_there(plot):
    plot.set_cores(2)
    truth = 0.05
    for repeat in range(2):
        plot.add_measurement(_m("serial", 1, 1.0, repeat))
        for size in (1, 2, 4, 8):
            speedup = 1.0 / (truth + (1.0 - truth) / min(size, 2))
            plot.add_measurement(_m("processes", size, 1.0 / speedup, repeat))
    plot.refresh()
    result = plot._fits.fits[("cpu", "processes")]
    assert result.values[0] == pytest.approx(truth, abs=1e-6)  # not the ~40 % sizes would say
    assert ("usl", ("cpu", "processes")) not in plot._fits.fits  # two worker counts only
    x, y = plot._fits.curves[("cpu", "processes")].line.getData()
    beyond = x >= 1.0  # log2 of the pool size: 2 workers and more
    assert y[beyond] == pytest.approx(1.0 / (truth + (1.0 - truth) / 2))
