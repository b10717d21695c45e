"""The factorial lesson's defaults show its point: tasks finish in another order than their
input, while map() returns input order. Repeated, on a loaded machine, with the real engine."""

from __future__ import annotations

from desktop_app.engine.context import run_scenario
from desktop_app.scenarios.registry import get_scenario

RUNS = 5


def test_defaults_finish_out_of_input_order_every_time():
    scenario = get_scenario("thread-pool-factorial")
    for _ in range(RUNS):
        report = run_scenario(scenario, scenario.defaults())
        assert report.state == "completed"
        assert any("finished in a different place" in note for note in report.notes), report.notes
