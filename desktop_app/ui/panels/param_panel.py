"""The parameter form, generated from a scenario's typed parameters.

Each ``Param`` becomes the editor that cannot hold an invalid value (a bounded spin box, a combo
of the allowed choices, a check box), with the parameter's help and allowed range as tooltip.
"""

from __future__ import annotations

from typing import Any, cast

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
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
    if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
        if param.unit:
            editor.setSuffix(f" {param.unit}")
        editor.setKeyboardTracking(False)
        editor.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
    editor.setObjectName(f"param_{param.name}")
    editor.setToolTip(_tooltip(param))
    return editor


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
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._scenario: Scenario | None = None
        self._editors: dict[str, tuple[Param, QWidget]] = {}

    def set_scenario(self, scenario: Scenario, values: dict[str, Any]) -> None:
        """Rebuild the form for ``scenario`` with ``values`` (already validated) over defaults."""
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self._editors.clear()
        self._scenario = scenario
        resolved = scenario.defaults() | values
        for param in scenario.params:
            editor = make_editor(param)
            set_editor_value(param, editor, resolved[param.name])
            self._connect(editor)
            label = QLabel(param.label + ":")
            label.setToolTip(editor.toolTip())
            label.setBuddy(editor)
            self._layout.addRow(label, editor)
            self._editors[param.name] = (param, editor)
        if not scenario.params:
            self._layout.addRow(QLabel("This scenario has no parameters."))

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
