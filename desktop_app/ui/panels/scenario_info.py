"""The chosen scenario explained: title, lesson, summary, when to use it, and its code.

The text sits in a scroll area that asks for the height its wrapped text needs and shrinks
(scrolling) when the window is small: at 900×600 the lesson text was cut mid-line with no way
to read the rest.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from ...scenarios.base import Scenario
from .code_view import CodeView

_CODE: dict[str, str] = {}


def _code_of(scenario: Scenario) -> str:
    """The scenario's source, read once (inspect.getsource re-tokenizes the file each time)."""
    code = _CODE.get(scenario.id)
    if code is None:
        try:
            code = scenario.code()
        except (OSError, TypeError) as exc:  # a frozen build without the .py sources
            code = f"# The source of this scenario is not available here: {exc}\n"
        _CODE[scenario.id] = code
    return code


class _TextArea(QScrollArea):
    """Scrolls its text; prefers the height the text needs at the current width."""

    def __init__(self, inner: QWidget) -> None:
        super().__init__()
        self.setObjectName("scenarioText")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(inner)
        self.setMinimumHeight(48)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        width = max(200, self.viewport().width())
        return QSize(width, self.widget().heightForWidth(width) + 2)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()  # the wrapped text's height changed with the width


class ScenarioInfo(QWidget):
    """Text about the scenario above a read-only, highlighted view of the code it runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scenarioInfo")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.title = QLabel()
        self.title.setObjectName("scenarioTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.lesson = QLabel()
        self.lesson.setObjectName("scenarioLesson")
        self.lesson.setEnabled(False)  # the palette's muted text colour, dark or light
        self.lesson.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setObjectName("scenarioSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.when = QLabel()
        self.when.setObjectName("scenarioWhen")
        self.when.setWordWrap(True)
        self.when.setTextFormat(Qt.TextFormat.RichText)
        self.when.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code = CodeView()
        inner = QWidget()
        text_layout = QVBoxLayout(inner)
        text_layout.setContentsMargins(0, 0, 4, 0)
        text_layout.setSpacing(4)
        for widget in (self.title, self.lesson, self.summary, self.when):
            text_layout.addWidget(widget)
        text_layout.addStretch(1)
        self.text_area = _TextArea(inner)
        layout.addWidget(self.text_area)
        layout.addSpacing(4)
        layout.addWidget(self.code, 1)

    def prepare(self, scenario: Scenario) -> None:
        """Make the lesson's highlighted code now (an idle step), so choosing it is quick."""
        self.code.prepare(scenario.id, _code_of(scenario))

    def show_scenario(self, scenario: Scenario) -> None:
        self.title.setText(scenario.title)
        self.lesson.setText(f"Lesson: {scenario.lesson}  ·  id: {scenario.id}")
        self.summary.setText(scenario.summary)
        self.when.setText(f"<b>When to use it:</b> {html.escape(scenario.when_to_use)}")
        self.code.set_code(_code_of(scenario), key=scenario.id)
        self.text_area.updateGeometry()
