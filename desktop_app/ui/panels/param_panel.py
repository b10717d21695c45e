"""The parameter form, generated from a scenario's typed parameters.

Each ``Param`` becomes the editor that cannot hold an invalid value (a bounded spin box, a combo
of the allowed choices, a check box), with the parameter's help and allowed range as tooltip.
A parameter the other values make irrelevant (the scenario's ``param_uses``, e.g. "work per cpu
task" with workload=square) is disabled, and its tooltip starts with why: a control that does
nothing must not look as if it did something.
"""

from __future__ import annotations

from typing import Any, cast

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLayout,
    QSpinBox,
    QStackedLayout,
    QWidget,
)

from ...scenarios.base import Param, ParamError, Scenario

_INT_LIMIT = 2**31 - 1  # QSpinBox holds a C int


def _tooltip(param: Param) -> str:
    text = param.help.strip()
    allowed = param.allowed()
    if param.unit:
        allowed += f" ({param.unit})"
    return f"{text}\nAllowed: {allowed}" if text else f"Allowed: {allowed}"


def _int_editor(param: Param) -> QSpinBox:
    box = QSpinBox()
    low = -_INT_LIMIT if param.minimum is None else int(param.minimum)
    high = _INT_LIMIT if param.maximum is None else int(param.maximum)
    box.setRange(max(low, -_INT_LIMIT), min(high, _INT_LIMIT))
    box.setGroupSeparatorShown(True)
    box.setAccelerated(True)
    return box


def _float_editor(param: Param) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(2 if (param.maximum or 0) > 10 else 3)
    low = -1e12 if param.minimum is None else float(param.minimum)
    high = 1e12 if param.maximum is None else float(param.maximum)
    box.setRange(low, high)
    box.setSingleStep(1.0 if high - low > 20 else 0.1)
    box.setAccelerated(True)
    return box


def make_editor(param: Param) -> QWidget:
    """The editor widget for one parameter, named ``param_<name>``."""
    if param.kind == "int":
        editor: QWidget = _int_editor(param)
    elif param.kind == "float":
        editor = _float_editor(param)
    elif param.kind == "bool":
        editor = QCheckBox()
    else:
        editor = QComboBox()
        editor.addItems(list(param.choices))
        grey_unavailable_kinds(editor, param.choices)
    if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
        if param.unit:
            editor.setSuffix(f" {param.unit}")
        editor.setKeyboardTracking(False)
        editor.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
    editor.setObjectName(f"param_{param.name}")
    editor.setToolTip(_tooltip(param))
    return editor


def _kind_unavailable(name: str) -> str | None:
    """Why the executor kind ``name`` cannot run here (``dask`` without the ``distributed``
    package, as in the packaged app; ``interpreters`` before Python 3.14); None when it can or
    ``name`` is no kind."""
    from ...engine.executors import UnknownKindError, executor_class

    try:
        kind = executor_class(name)
    except UnknownKindError:
        return None
    return getattr(kind, "unavailable", lambda: None)()


def grey_unavailable_kinds(box: QComboBox, choices: tuple[str, ...], check: bool = True) -> None:
    """A choice naming a kind that cannot run here is shown greyed, its reason as its
    tooltip, rather than offered and then refused when the run starts. ``check`` False (the run
    host runs under another Python, which may have what this one lacks) offers every kind:
    that host skips what it cannot run, with a note."""
    model = box.model()
    if not isinstance(model, QStandardItemModel):
        return
    for index, choice in enumerate(choices):
        reason = _kind_unavailable(choice) if check else None
        item = model.item(index)
        if item is not None:
            item.setEnabled(not reason)
            item.setToolTip(f"Not available here: {reason}" if reason else "")


def editor_value(param: Param, editor: QWidget) -> Any:
    # make_editor chose the editor's class by param.kind, so the casts hold
    if param.kind == "int":
        return int(cast(QSpinBox, editor).value())
    if param.kind == "float":
        return float(cast(QDoubleSpinBox, editor).value())
    if param.kind == "bool":
        return cast(QCheckBox, editor).isChecked()
    return cast(QComboBox, editor).currentText()


def set_editor_value(param: Param, editor: QWidget, value: Any) -> None:
    if param.kind in ("int", "float"):
        cast(QSpinBox | QDoubleSpinBox, editor).setValue(value)
    elif param.kind == "bool":
        cast(QCheckBox, editor).setChecked(bool(value))
    else:
        cast(QComboBox, editor).setCurrentIndex(param.choices.index(value))


class ParamPanel(QWidget):
    """A form of the current scenario's parameters; ``values()`` are always valid."""

    values_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paramPanel")
        # One form per scenario, built the first time it is shown and kept: rebuilding the
        # editors on every lesson change was the largest part of a selection's 30-90 ms
        # event-loop gap (tests/benchmarks/selection_latency.py).
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        # As tall as the shown form, not the tallest one (a stack's default): no blank rows.
        self._stack.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._forms: dict[str, tuple[Scenario, QWidget, dict, dict]] = {}
        self._scenario: Scenario | None = None
        self._editors: dict[str, tuple[Param, QWidget]] = {}
        self._labels: dict[str, QLabel] = {}
        # Whether the run host runs under this app's own Python: only then can the form tell
        # which executor kinds cannot run (another interpreter may have 3.14 or distributed).
        self._own_python = True
        self.values_changed.connect(self._apply_uses)

    def set_own_python(self, own: bool) -> None:
        """The run host now runs under this app's Python (``own``) or another one: grey the
        kinds this Python cannot run, or offer them all (Run ▸ Python interpreter)."""
        self._own_python = own
        for _, _, editors, _ in self._forms.values():
            for param, editor in editors.values():
                if isinstance(editor, QComboBox):
                    grey_unavailable_kinds(editor, param.choices, own)
        self._apply_uses()

    def set_scenario(self, scenario: Scenario, values: dict[str, Any]) -> None:
        """Show the form of ``scenario`` with ``values`` (already validated) over defaults."""
        cached = self._forms.get(scenario.id)
        if cached is None or cached[0] is not scenario:
            cached = self._forms[scenario.id] = (scenario, *self._build_form(scenario))
            self._stack.addWidget(cached[1])
        self._scenario = scenario
        _, form, self._editors, self._labels = cached
        resolved = scenario.defaults() | values
        for name, (param, editor) in self._editors.items():
            if editor_value(param, editor) != resolved[name]:
                set_editor_value(param, editor, resolved[name])
        self._stack.setCurrentWidget(form)
        self.updateGeometry()
        self._apply_uses()

    def sizeHint(self) -> QSize:
        current = self._stack.currentWidget()
        return current.sizeHint() if current is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        current = self._stack.currentWidget()
        return current.minimumSizeHint() if current is not None else super().minimumSizeHint()

    def _build_form(self, scenario: Scenario) -> tuple[QWidget, dict, dict]:
        form = QWidget()
        layout = QFormLayout(form)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        editors: dict[str, tuple[Param, QWidget]] = {}
        labels: dict[str, QLabel] = {}
        defaults = scenario.defaults()
        for param in scenario.params:
            editor = make_editor(param)
            if isinstance(editor, QComboBox) and not self._own_python:
                grey_unavailable_kinds(editor, param.choices, False)
            set_editor_value(param, editor, defaults[param.name])
            self._connect(editor)
            label = QLabel(param.label + ":")
            label.setToolTip(editor.toolTip())
            label.setBuddy(editor)
            layout.addRow(label, editor)
            editors[param.name] = (param, editor)
            labels[param.name] = label
        if not scenario.params:
            layout.addRow(QLabel("This scenario has no parameters."))
        return form, editors, labels

    def _apply_uses(self) -> None:
        """Disable what the current values make irrelevant, with the reason as tooltip."""
        if self._scenario is None:
            return
        unused = self._scenario.unused_params(self.values())
        for name, (param, editor) in self._editors.items():
            reason = unused.get(name, "")
            tip = f"Not used now: {reason}\n\n{_tooltip(param)}" if reason else _tooltip(param)
            missing = (  # an experiment's "Run on <kind>" box for a kind that cannot run here
                _kind_unavailable(name) if param.kind == "bool" and self._own_python else None
            )
            if missing and not reason:
                reason, tip = missing, f"Not available here: {missing}\n\n{_tooltip(param)}"
            for widget in (editor, self._labels[name]):
                widget.setEnabled(not reason)
                widget.setToolTip(tip)

    def unused(self) -> dict[str, str]:
        """The parameters disabled now, with the reason for each."""
        return self._scenario.unused_params(self.values()) if self._scenario else {}

    def reset_to_defaults(self) -> None:
        """Every parameter back to the scenario's default."""
        if self._scenario is not None:
            self.apply_values(self._scenario.defaults())

    def apply_values(self, values: dict[str, Any]) -> None:
        """Set several parameters at once (a preset); each is validated, ParamError if not."""
        for name, value in values.items():
            self.set_value(name, value)

    def _connect(self, editor: QWidget) -> None:
        if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
            editor.valueChanged.connect(self.values_changed)
        elif isinstance(editor, QCheckBox):
            editor.toggled.connect(self.values_changed)
        elif isinstance(editor, QComboBox):
            editor.currentIndexChanged.connect(self.values_changed)

    def values(self) -> dict[str, Any]:
        return {name: editor_value(p, e) for name, (p, e) in self._editors.items()}

    def set_value(self, name: str, value: Any) -> None:
        """Set one parameter; raises ParamError (one line) for an unknown name or bad value."""
        if self._scenario is None:
            raise ParamError("no scenario is selected")
        param = self._scenario.param(name)
        value = param.validate(value)
        set_editor_value(param, self._editors[name][1], value)

    def editor(self, name: str) -> QWidget:
        return self._editors[name][1]
