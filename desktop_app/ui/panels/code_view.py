"""A read-only, syntax-highlighted view of the code a scenario really runs.

Like pyqtgraph's example browser: the user reads the functions next to the Run button, so the
lesson and the measurement are the same code. Colours follow the palette (dark or light).
"""

from __future__ import annotations

import keyword
import re

from PySide6.QtCore import QEvent
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QPlainTextDocumentLayout, QPlainTextEdit, QWidget

_KEYWORDS = r"\b(?:" + "|".join([*keyword.kwlist, *keyword.softkwlist[:3]]) + r")\b"
_RULES = (
    ("keyword", re.compile(_KEYWORDS)),
    ("builtin", re.compile(r"\b(?:print|range|len|list|dict|set|tuple|int|str|self)\b")),
    ("number", re.compile(r"\b(?:0[xob][0-9a-fA-F_]+|\d[\d_]*\.?\d*(?:[eE][-+]?\d+)?)\b")),
    ("decorator", re.compile(r"^\s*@[\w.]+")),
    ("defname", re.compile(r"(?<=\bdef\s)\w+|(?<=\bclass\s)\w+")),
    (
        "string",
        re.compile(r"[rbfu]{0,2}(\"[^\"\\\n]*(?:\\.[^\"\\\n]*)*\"|'[^'\\\n]*(?:\\.[^'\\\n]*)*')"),
    ),
)
_TRIPLE = re.compile(r"\"\"\"|'''")
_IN_TRIPLE_DOUBLE, _IN_TRIPLE_SINGLE = 1, 2

# (light palette, dark palette) colours per token kind.
_COLOURS = {
    "keyword": ("#8b1d9c", "#d197f0"),
    "builtin": ("#1a6b8a", "#6cc4e0"),
    "number": ("#b35900", "#f0a35e"),
    "decorator": ("#6b6b00", "#d8d86c"),
    "defname": ("#0b5cad", "#7ab8ff"),
    "string": ("#2e7d32", "#9ad07c"),
    "comment": ("#707070", "#8f9aa3"),
}


class PythonHighlighter(QSyntaxHighlighter):
    """Keywords, strings (triple-quoted across lines too), comments, numbers and def names."""

    def __init__(self, document: QTextDocument, dark: bool = False) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}
        self.set_dark(dark)

    def set_dark(self, dark: bool) -> None:
        for kind, pair in _COLOURS.items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(pair[1] if dark else pair[0]))
            if kind in ("keyword", "defname"):
                fmt.setFontWeight(QFont.Weight.Bold)
            if kind == "comment":
                fmt.setFontItalic(True)
            self._formats[kind] = fmt
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # Qt override
        strings: list[tuple[int, int]] = []
        for kind, pattern in _RULES:
            for match in pattern.finditer(text):
                self.setFormat(match.start(), match.end() - match.start(), self._formats[kind])
                if kind == "string":
                    strings.append(match.span())
        # A comment starts at the first '#' that is not inside a string.
        for index, char in enumerate(text):
            if char == "#" and not any(a <= index < b for a, b in strings):
                self.setFormat(index, len(text) - index, self._formats["comment"])
                break
        self._highlight_triple_quotes(text)

    def _highlight_triple_quotes(self, text: str) -> None:
        """Docstrings span blocks: the block state carries which quote is still open."""
        quote = {_IN_TRIPLE_DOUBLE: '"""', _IN_TRIPLE_SINGLE: "'''"}.get(self.previousBlockState())
        self.setCurrentBlockState(0)
        pos = begin = 0
        while True:
            if quote is None:
                found = _TRIPLE.search(text, pos)
                if not found:
                    return
                quote, begin, pos = found.group(), found.start(), found.end()
            end = text.find(quote, pos)
            if end < 0:
                self.setFormat(begin, len(text) - begin, self._formats["string"])
                state = _IN_TRIPLE_DOUBLE if quote == '"""' else _IN_TRIPLE_SINGLE
                self.setCurrentBlockState(state)
                return
            self.setFormat(begin, end + 3 - begin, self._formats["string"])
            pos, quote = end + 3, None


class CodeView(QPlainTextEdit):
    """Read-only monospace code with Python highlighting; Ctrl+wheel zooms as usual."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("codeView")
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(font.pointSizeF(), 9.5))
        self.setFont(font)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 4)
        self.setToolTip("The code this scenario runs (read-only)")
        self._highlighter = PythonHighlighter(self.document(), self._is_dark())
        # One highlighted document per lesson, made once: highlighting a lesson's code took
        # 15-20 ms of the GUI thread on every selection (benchmarks/selection_latency.py).
        self._documents: dict[str, tuple[QTextDocument, PythonHighlighter]] = {}

    def set_code(self, code: str, key: str = "") -> None:
        """Show ``code``; with a ``key`` its highlighted document is kept for next time."""
        if not key:
            self.setPlainText(code)
            return
        document = self.prepare(key, code)
        if self.document() is not document:
            self.setDocument(document)
            self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 4)

    def prepare(self, key: str, code: str) -> QTextDocument:
        """The highlighted document for ``key``, made now if it is not yet (an idle step)."""
        entry = self._documents.get(key)
        if entry is None:
            document = QTextDocument(self)
            document.setDocumentLayout(QPlainTextDocumentLayout(document))
            document.setDefaultFont(self.font())
            highlighter = PythonHighlighter(document, self._is_dark())
            document.setPlainText(code)
            entry = self._documents[key] = (document, highlighter)
        return entry[0]

    def forget(self, key: str) -> None:
        """Drop the document kept for ``key`` (its code changed); the next show makes it anew."""
        entry = self._documents.pop(key, None)
        if entry is not None and self.document() is entry[0]:
            self.setDocument(QTextDocument(self))  # keep showing nothing stale while it goes
            self.document().setDocumentLayout(QPlainTextDocumentLayout(self.document()))

    def _is_dark(self) -> bool:
        return self.palette().base().color().lightness() < 128

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        if event.type() == QEvent.Type.PaletteChange:
            self._highlighter.set_dark(self._is_dark())
            for _document, highlighter in self._documents.values():
                highlighter.set_dark(self._is_dark())
        super().changeEvent(event)
