"""The scenario registry: found, not listed; parameters and shown code checked for every lesson.

A ninth lesson is one module in desktop_app/scenarios: these tests find it through the registry
and fail until its test parameters exist (scenario_params.py) and its shown code compiles.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import textwrap

import pytest
from scenario_params import BUSY, QUICK

from desktop_app.engine.executors import kind_names
from desktop_app.scenarios import registry
from desktop_app.scenarios.base import Param, Scenario
from desktop_app.scenarios.registry import all_scenarios, discover, lesson_modules

SCENARIOS = all_scenarios()
IDS = [s.id for s in SCENARIOS]


def test_every_lesson_module_registers_a_scenario_and_nothing_else_does():
    modules = {s.run.__module__ for s in SCENARIOS}
    assert modules == set(lesson_modules())
    assert len(IDS) == len(set(IDS)) == len(lesson_modules())


@pytest.mark.parametrize("params", [QUICK, BUSY], ids=["QUICK", "BUSY"])
def test_every_scenario_has_valid_test_parameters_in_one_place(params):
    assert set(params) == set(IDS), "add the new lesson to tests/scenarios/scenario_params.py"
    for scenario in SCENARIOS:
        scenario.resolve(params[scenario.id])  # raises ParamError for a wrong name or value


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_every_scenario_names_registered_kinds(scenario):
    assert scenario.kinds and set(scenario.kinds) <= set(kind_names())


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_the_code_a_lesson_shows_compiles_and_its_plain_python_imports_resolve(scenario):
    compile(scenario.code(), f"<code of {scenario.id}>", "exec")
    plain = scenario.extra_code
    assert plain.strip(), f"{scenario.id} shows no plain-Python version"
    tree = ast.parse(plain, f"<plain Python of {scenario.id}>")
    compile(tree, f"<plain Python of {scenario.id}>", "exec")
    assert "desktop_app" not in plain and "ctx." not in plain  # plain: no lab in it
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [(node.module, alias.name) for alias in node.names]
        else:
            continue
        for module, attribute in names:
            assert importlib.util.find_spec(module) is not None, f"no module {module}"
            if attribute is not None:
                assert hasattr(importlib.import_module(module), attribute), (module, attribute)


def test_a_new_lesson_is_one_module_the_registry_finds(tmp_path, monkeypatch):
    package = tmp_path / "more_lessons"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "_helpers.py").write_text("raise AssertionError('helpers are not lessons')\n")
    (package / "ninth.py").write_text(
        textwrap.dedent(
            """
            from desktop_app.scenarios.base import Param, Scenario
            from desktop_app.scenarios.registry import register

            def run(ctx):
                ctx.note("ran")

            SCENARIO = register(Scenario(
                id="ninth-lesson", title="Ninth", lesson="9", summary="s", when_to_use="w",
                params=(Param("n", "N", "int", 1, minimum=1, maximum=5),), run=run,
                kinds=("threads",), order=99,
            ))
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        discover("more_lessons")
        assert registry.get_scenario("ninth-lesson").order == 99
        assert all_scenarios()[-1].id == "ninth-lesson"
    finally:
        registry._REGISTRY.pop("ninth-lesson", None)
        for name in [m for m in sys.modules if m.startswith("more_lessons")]:
            del sys.modules[name]


def test_a_scenario_naming_an_unknown_kind_is_refused():
    scenario = Scenario(
        id="bad-kind", title="t", lesson="l", summary="s", when_to_use="w",
        params=(Param("n", "N", "int", 1),), run=lambda ctx: None, kinds=("process",),
    )  # fmt: skip
    with pytest.raises(ValueError, match="unknown executor kinds"):
        registry.register(scenario)
    assert "bad-kind" not in registry._REGISTRY
