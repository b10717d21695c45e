"""The output pane: what workers print, appended in batches and bounded in memory."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

MAX_LINES = 5000


class OutputView(QPlainTextEdit):
    """Read-only text; ``append_lines`` adds a whole batch in one document edit.

    ``setMaximumBlockCount`` drops the oldest lines, so a scenario printing a million lines
    costs the same memory as one printing five thousand.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outputView")
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText("Lines the workers print appear here.")
        self.setToolTip(f"What the workers printed (the last {MAX_LINES:,} lines)")

    def append_lines(self, lines: list[str]) -> None:
        """Append lines, following the end only when the user has not scrolled up."""
        if not lines:
            return
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        # appendPlainText adds a block per call; one call for the whole batch keeps it cheap.
        self.appendPlainText("\n".join(lines[-MAX_LINES:]))
        if at_end:
            self.moveCursor(QTextCursor.MoveOperation.End)
            bar.setValue(bar.maximum())

    def begin_run(self, caption: str) -> None:
        """A header line naming the run, so runs that pile up here stay apart."""
        header = f"═══ {caption} ═══"
        self.append_lines([header] if self.document().isEmpty() else ["", header])
        self.moveCursor(QTextCursor.MoveOperation.End)
        self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())

    def lines(self) -> list[str]:
        text = self.toPlainText()
        return text.split("\n") if text else []
