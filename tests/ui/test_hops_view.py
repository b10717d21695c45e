"""The Hops tab: a stacked bar per process pool size, a legend naming every part (issue 14)."""

from __future__ import annotations

import os

import pytest

from desktop_app.engine.hops import PARTS, HopBreakdown
from desktop_app.engine.records import Measurement
from desktop_app.ui.plots.hops_view import PART_NAMES
from desktop_app.ui.plots.timing_plot import TimingPlot


def _hops(running: float) -> HopBreakdown:
    parts = dict.fromkeys(PARTS, 0.002)
    parts["running"] = running
    return HopBreakdown(4, parts, 400, 2000, 0.011)


def _m(backend: str, size: int, repeat: int, running: float = 0.001) -> Measurement:
    hops = _hops(running) if backend in ("processes", "pool") else None
    startup = 0.05 if repeat == 0 and hops else 0.0
    return Measurement(
        "square", backend, size, repeat, 0.012, startup, "completed", 10, "cpu", hops
    )


@pytest.fixture
def plot(qtbot):
    widget = TimingPlot()
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.show()
    return widget


def test_the_hops_tab_stacks_a_bar_per_pool_size_and_names_every_part(plot, qtbot, tmp_path):
    for repeat in range(3):
        plot.add_measurement(_m("serial", 1, repeat))
        for size in (1, 2, 4):
            plot.add_measurement(_m("pool", size, repeat, 0.001 * size))
    plot.set_current_view(2)
    view = plot._hops
    rows = view.rows()
    assert [(r.backend, r.pool_size, r.repeats) for r in rows] == [
        ("pool", 1, 3),
        ("pool", 2, 3),
        ("pool", 4, 3),
    ]  # the serial measurements carry no hops: no bar
    names = [label.text for _, label in view._legend.items]
    assert names == [PART_NAMES[p] for p in ("startup", *PARTS)]
    # Each bar: the cold start-up, then the median wall time split by the hops' shares.
    ends = [bar.opts["x0"][i] + bar.opts["width"][i] for bar in view._bars[-1:] for i in range(3)]
    assert ends == pytest.approx([0.05 + 0.012] * 3)
    running = view._bars[1 + PARTS.index("running")]
    assert running.opts["width"][2] == pytest.approx(0.012 * 0.004 / 0.014)
    assert "over 3 repeats" in running.toolTip()
    qtbot.waitUntil(lambda: view._legend.isVisible())
    qtbot.wait(100)  # let the layout settle before the picture
    plot.grab().save(str(tmp_path / "hops.png"))
    if os.environ.get("HOPS_PNG"):
        plot.grab().save(os.environ["HOPS_PNG"])


def test_without_process_measurements_the_tab_says_why_it_is_empty(plot):
    plot.add_measurement(_m("threads", 2, 0))
    plot.set_current_view(2)
    assert plot._hops.rows() == [] and plot._hops._hint.isVisible()
    assert "processes and pool only" in plot._hops._hint.textItem.toPlainText()
