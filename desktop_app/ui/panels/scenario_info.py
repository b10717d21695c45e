"""The chosen scenario explained: title, lesson, summary, when to use it, and its code."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...scenarios.base import Scenario
from .code_view import CodeView


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
        for widget in (self.title, self.lesson, self.summary, self.when):
            layout.addWidget(widget)
        layout.addSpacing(4)
        layout.addWidget(self.code, 1)

    def show_scenario(self, scenario: Scenario) -> None:
        self.title.setText(scenario.title)
        self.lesson.setText(f"Lesson: {scenario.lesson}  ·  id: {scenario.id}")
        self.summary.setText(scenario.summary)
        self.when.setText(f"<b>When to use it:</b> {html.escape(scenario.when_to_use)}")
        try:
            code = scenario.code()
        except (OSError, TypeError) as exc:  # a frozen build without the .py sources
            code = f"# The source of this scenario is not available here: {exc}\n"
        self.code.set_code(code)
