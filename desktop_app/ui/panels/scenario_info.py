"""The chosen scenario explained: title, lesson, summary, when to use it, and its code.

The text is one read-only rich-text view that scrolls (at 900×600 the lesson text was cut
mid-line with no way to read the rest) and asks for the height its text needs. Each lesson's
text and code are documents made once and swapped in: re-wrapping four labels' text on every
selection cost 10-30 ms of CPU (tests/benchmarks/selection_latency.py), swapping a laid-out
document costs about nothing.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QResizeEvent, QTextDocument
from PySide6.QtWidgets import QFrame, QTextBrowser, QVBoxLayout, QWidget

from ...scenarios.base import Scenario
from .code_view import CodeView

MAX_TEXT_SHARE = 0.5  # of the panel's height; the code view gets the rest
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


def lesson_html(scenario: Scenario) -> str:
    """Title, lesson and id, summary and when to use it, as the text view shows them."""
    return (
        f"<p style='font-size:large; font-weight:bold; margin:0'>{html.escape(scenario.title)}"
        "</p>"
        f"<p style='margin:2px 0 6px 0; color:palette(placeholder-text)'>Lesson: "
        f"{html.escape(scenario.lesson)} &nbsp;·&nbsp; id: {html.escape(scenario.id)}</p>"
        f"<p style='margin:0 0 6px 0'>{html.escape(scenario.summary)}</p>"
        f"<p style='margin:0'><b>When to use it:</b> {html.escape(scenario.when_to_use)}</p>"
    )


class LessonText(QTextBrowser):
    """Scrolls its text; prefers the height the text needs at the current width."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("scenarioText")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setOpenLinks(False)
        self.setMinimumHeight(48)
        self.viewport().setAutoFillBackground(False)  # the window's colour, like a label

    def sizeHint(self) -> QSize:
        document = self.document()
        document.setTextWidth(self.viewport().width())
        height = int(document.size().height()) + 2 * self.frameWidth() + 2
        parent = self.parentWidget()
        if parent is not None and parent.height() > 0:
            height = min(height, int(parent.height() * MAX_TEXT_SHARE))
        return QSize(self.viewport().width(), max(height, self.minimumHeight()))

    def resizeEvent(self, event: QResizeEvent) -> None:
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
        self.text = LessonText()
        self.code = CodeView()
        self._documents: dict[str, QTextDocument] = {}
        self._code_for: Scenario | None = None
        layout.addWidget(self.text)
        layout.addWidget(self.code, 1)

    def _document(self, scenario: Scenario) -> QTextDocument:
        document = self._documents.get(scenario.id)
        if document is None:
            document = self._documents[scenario.id] = QTextDocument(self)
            document.setDefaultFont(self.text.font())
            document.setHtml(lesson_html(scenario))
        return document

    def forget(self, scenario_id: str) -> None:
        """Drop what was made for a scenario whose text changed (an edited experiment file)."""
        self._documents.pop(scenario_id, None)
        self.code.forget(scenario_id)
        _CODE.pop(scenario_id, None)

    def prepare(self, scenario: Scenario) -> None:
        """Make the lesson's text and highlighted code now (an idle step), so choosing it is
        quick."""
        self._document(scenario)
        self.code.prepare(scenario.id, _code_of(scenario))

    def show_scenario(self, scenario: Scenario) -> None:
        self.text.setDocument(self._document(scenario))
        self.text.updateGeometry()
        # The code in the next turn of the event loop: the new text paints first, then the
        # code view (laying out and painting a lesson's code is 5-15 ms of CPU on its own), so
        # neither frame holds the loop long.
        # 1 ms, not 0: a 0 ms single shot is a posted call that runs before waiting timers and
        # input, so both halves would still be one gap of the event loop.
        self._code_for = scenario
        QTimer.singleShot(1, self, self._show_code)

    def _show_code(self) -> None:
        scenario = self._code_for
        if scenario is not None:
            self._code_for = None
            self.code.set_code(_code_of(scenario), key=scenario.id)

    def plain_text(self) -> str:
        return self.text.toPlainText()
