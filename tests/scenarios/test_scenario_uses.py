"""What each lesson declares it uses (pool size, parameters, plot views) and its presets are
consistent data: every name exists and every preset value is valid."""

from __future__ import annotations

import pytest

from desktop_app.scenarios.base import VIEW_KEYS
from desktop_app.scenarios.registry import all_scenarios, get_scenario

SCENARIOS = all_scenarios()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_declared_uses_name_real_parameters_and_views(scenario):
    names = {p.name for p in scenario.params}
    for use in scenario.param_uses:
        assert use.param in names and use.when in names and use.reason
        for value in use.values:
            scenario.param(use.when).validate(value)
    assert scenario.views and set(scenario.views) <= set(VIEW_KEYS)
    if scenario.sweeps:
        assert not scenario.fixed_pool and "timing" in scenario.views


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_every_lesson_has_a_valid_try_this_preset(scenario):
    assert 1 <= len(scenario.presets) <= 2
    for preset in scenario.presets:
        assert preset.name and preset.description
        scenario.resolve(dict(preset.params))  # raises ParamError when a value is invalid


def test_lessons_that_ignore_the_pool_size_say_why():
    fixed = {s.id for s in SCENARIOS if s.fixed_pool}
    assert fixed == {"process-start-join", "producer-consumer", "sharing-data"}
    no_timing = {s.id for s in SCENARIOS if "timing" not in s.views}
    assert no_timing == {"process-start-join", "producer-consumer", "sharing-data", "exceptions"}


def test_cpu_ms_is_unused_with_the_square_workload():
    scenario = get_scenario("pool-timing")
    assert "cpu_ms" in scenario.unused_params({"workload": "square"})
    assert scenario.unused_params({"workload": "cpu"}) == {}


def test_the_no_lock_preset_turns_the_lock_off():
    scenario = get_scenario("producer-consumer")
    assert any(dict(p.params).get("lock") is False for p in scenario.presets)
