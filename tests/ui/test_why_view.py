"""The "Why not N×" tab: each pool size's wall time as the ideal plus the gap's causes, a tick
at what was measured, and the same words as the CLI (issue 14)."""

from __future__ import annotations

import pytest
from _window_helpers import run_to_end

from desktop_app.ui.plots.why_view import EMPTY, PART_NAMES, WhyView


def _row(size: int, measured: float, ideal: float, rest: float, series: str = "cpu") -> dict:
    parts = {"overhead": 0.01, "imbalance": 0.02, "waiting": 0.03}
    parts["rest"] = rest
    return {
        "series": series,
        "backend": "processes",
        "pool_size": size,
        "measured_s": measured,
        "ideal_s": ideal,
        "startup_s": 0.05,
        "parts": parts,
        "waiting_for": "a core",
        "other_programs": False,
        "speedup_ci": (1.6, 1.9),
    }


@pytest.fixture
def view(qtbot):
    widget = WhyView()
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    return widget


def test_each_bar_is_the_ideal_then_the_gaps_parts_ending_at_the_measured_time(view):
    view.show_why([_row(2, 0.6, 0.5, 0.04), _row(4, 0.4, 0.25, 0.09)], ["cpu on processes:"])
    for index, measured in enumerate((0.6, 0.4)):
        assert sum(view.segments(index).values()) == pytest.approx(measured)
    names = [label.text for _, label in view._legend.items]
    assert names == [*PART_NAMES.values(), "measured wall time"]
    assert list(view._ticks.data["x"]) == [0.6, 0.4]
    assert view.words.toPlainText() == "cpu on processes:"
    assert not view._hint.isVisible()
    assert "speedup 95 % CI 1.60–1.90" in view._bars[0].toolTip()
    assert "waiting for a core" in view._bars[3].toolTip()


def test_a_negative_rest_is_drawn_as_nothing_and_said_in_the_tooltip(view):
    view.show_why([_row(2, 0.5, 0.5, -0.06)], [])
    assert view.segments(0)["rest"] == 0.0
    assert sum(view.segments(0).values()) > 0.5  # the parts overrun the measured tick
    assert "negative: the tasks ran faster here than in the serial run" in view._bars[4].toolTip()


def test_clearing_shows_the_hint_and_no_bar(view):
    view.show_why([_row(2, 0.6, 0.5, 0.04)], ["words"])
    view.clear()
    assert view.rows() == [] and view.words.toPlainText() == ""
    assert view._hint.isVisible() and view._hint.toPlainText() == EMPTY
    assert all(not bar.scene() for bar in view._bars) and not view._bars


def test_a_finished_sweep_fills_the_why_tab_and_a_new_run_clears_it(qtbot, lab_window):
    lab_window.select_scenario("pool-timing")
    lab_window.set_param("workload", "square")
    lab_window.set_pool_sizes((1, 2))
    lab_window.set_repeats(2)
    report = run_to_end(qtbot, lab_window)
    assert report.state == "completed", report.errors
    why = lab_window.ui.timing_plot.why
    rows = why.rows()
    assert [(r["backend"], r["pool_size"]) for r in rows] == [("pool", 1), ("pool", 2)]
    for index, row in enumerate(rows):
        parts = row["parts"]
        assert row["ideal_s"] + sum(parts.values()) == pytest.approx(row["measured_s"], rel=1e-9)
        if parts["rest"] >= 0:  # drawn parts add up to the measured wall time
            assert sum(why.segments(index).values()) == pytest.approx(row["measured_s"], rel=0.05)
    assert why.words.toPlainText().startswith("square on pool:")
    assert why.words.toPlainText().splitlines() == report.why
    lab_window.ui.timing_plot.clear((1, 2))
    assert why.rows() == [] and why.words.toPlainText() == ""


def test_the_measured_tick_is_drawn_over_the_bars(view):
    view.show_why([_row(4, 0.62, 0.5, -0.02)], [])
    assert all(view._ticks.zValue() > bar.zValue() for bar in view._bars)


def test_rows_without_a_split_say_so_instead_of_asking_for_a_sweep(view):
    row = _row(2, 0.6, 0.5, 0.0)
    row["parts"] = {}  # asyncio, or spans pruned from the history
    view.show_why([row], ["cpu on asyncio:", "  × 2: …; its workers share one thread"])
    assert view._hint.isVisible() and "No split by cause" in view._hint.toPlainText()
    view.clear()
    assert "No sweep with a serial baseline yet" in view._hint.toPlainText()
