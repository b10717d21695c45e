"""The parameter panel: one bounded editor per typed parameter, values always valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox

from desktop_app.scenarios.base import Param, ParamError, Scenario
from desktop_app.scenarios.registry import all_scenarios
from desktop_app.ui.panels.param_panel import ParamPanel

EDITORS = {"int": QSpinBox, "float": QDoubleSpinBox, "bool": QCheckBox, "choice": QComboBox}


@pytest.fixture
def panel(qtbot):
    widget = ParamPanel()
    qtbot.addWidget(widget)
    return widget


@pytest.mark.parametrize("scenario", all_scenarios(), ids=lambda s: s.id)
def test_every_parameter_gets_a_bounded_editor_with_help(panel, scenario):
    panel.set_scenario(scenario, {})
    assert panel.values() == scenario.defaults()
    for param in scenario.params:
        editor = panel.editor(param.name)
        assert isinstance(editor, EDITORS[param.kind])
        assert param.allowed() in editor.toolTip()
        if param.help:
            assert param.help in editor.toolTip()
        if param.kind in ("int", "float"):
            assert editor.minimum() == param.minimum and editor.maximum() == param.maximum
            editor.setValue(editor.maximum() + 1000)  # the box clamps: no invalid value
            assert editor.value() == param.maximum
        if param.kind == "choice":
            assert [editor.itemText(i) for i in range(editor.count())] == list(param.choices)
    scenario.resolve(panel.values())  # whatever the editors hold is valid


def _toy() -> Scenario:
    params = (
        Param("n", "N", "int", 3, "how many", 1, 10),
        Param("rate", "Rate", "float", 0.5, "how fast", 0.1, 2.0, unit="s"),
        Param("on", "On", "bool", True, "switch"),
        Param("mode", "Mode", "choice", "a", "pick", choices=("a", "b")),
    )
    return Scenario("toy", "Toy", "Lesson", "summary", "when", params, run=lambda ctx: None)


def test_values_given_are_shown_and_set_value_validates(panel, qtbot):
    scenario = _toy()
    panel.set_scenario(scenario, {"n": 7, "mode": "b"})
    assert panel.values() == {"n": 7, "rate": 0.5, "on": True, "mode": "b"}
    assert panel.editor("rate").suffix() == " s"
    with qtbot.waitSignal(panel.values_changed, timeout=1000):
        panel.set_value("on", False)
    panel.set_value("rate", 1.25)
    assert panel.values()["rate"] == 1.25 and panel.values()["on"] is False
    for name, bad in (("n", 11), ("n", "3"), ("rate", 5.0), ("on", 1), ("mode", "c"), ("x", 1)):
        with pytest.raises(ParamError):
            panel.set_value(name, bad)
    assert scenario.resolve(panel.values()) == panel.values()


def test_switching_scenarios_rebuilds_the_form(panel):
    first, second = all_scenarios()[0], all_scenarios()[-1]
    panel.set_scenario(first, {})
    panel.set_scenario(second, {})
    assert set(panel.values()) == {p.name for p in second.params}


def test_a_kind_that_cannot_run_here_is_greyed_with_its_reason(qtbot, monkeypatch):
    """Without Dask's distributed (the packaged app), "Map runs on: dask" is not offered and
    then refused: it is greyed, and its tooltip says why and how to get it."""
    from PySide6.QtGui import QStandardItemModel

    from desktop_app.engine.executors import _dask_cluster
    from desktop_app.scenarios._cluster_choice import executor_param
    from desktop_app.ui.panels.param_panel import make_editor

    monkeypatch.setattr(_dask_cluster, "unavailable_reason", lambda: "no distributed here")
    box = make_editor(executor_param("processes"))
    qtbot.addWidget(box)
    model = box.model()
    assert isinstance(model, QStandardItemModel)
    local, dask = model.item(0), model.item(1)
    assert local.isEnabled() and not dask.isEnabled()
    assert dask.toolTip() == "Not available here: no distributed here"
    monkeypatch.setattr(_dask_cluster, "unavailable_reason", lambda: None)
    box = make_editor(executor_param("processes"))
    qtbot.addWidget(box)
    assert box.model().item(1).isEnabled()


def test_an_experiments_box_for_a_kind_that_cannot_run_here_is_greyed(panel, monkeypatch):
    """ "Run on dask" without distributed cannot be ticked while the run host runs under this
    app's Python (the tooltip says why), and stays so when other values change; under another
    interpreter, which may have it, it is offered."""
    from desktop_app.engine.executors import _dask_cluster
    from desktop_app.experiments.loader import parse_target
    from desktop_app.experiments.scenario import describe, experiment_scenario

    monkeypatch.setattr(_dask_cluster, "unavailable_reason", lambda: "no distributed here")
    example = str(Path(__file__).resolve().parents[2] / "docs" / "examples" / "squares.py")
    scenario = experiment_scenario(describe(parse_target(example)))
    panel.set_scenario(scenario, {})
    box = panel.editor("dask")
    assert not box.isEnabled() and "Not available here: no distributed here" in box.toolTip()
    panel.set_value("threads", False)  # values change: the reasons are worked out again
    assert not panel.editor("dask").isEnabled()
    assert panel.editor("threads").isEnabled()
    panel.set_own_python(False)
    assert panel.editor("dask").isEnabled()
    panel.set_own_python(True)
    assert not panel.editor("dask").isEnabled()
