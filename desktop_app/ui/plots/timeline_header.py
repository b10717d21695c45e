"""The task timeline's header: which measurement is shown, how many tasks, the run's Python and
its GIL verdict, the hovered bar's numbers, and the legend on a row of its own.

Apart from the plot (task_timeline.py) because it is plain widgets and layout. Two rows, and no
label may widen the tab: in one row, a long verdict and the legend made the tab 1243 px wide and
squeezed the window's chooser to 180 px at 1280×720 (tests/ui/test_task_timeline.py).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget


class TimelineHeader(QWidget):
    """The rows above the timeline's plot; the timeline fills them in."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox(self)
        self.combo.setObjectName("timelineMeasurement")
        self.combo.setToolTip("Which measurement's tasks to show (the current one by default)")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.legend = QLabel(self)
        self.legend.setWordWrap(True)
        self.count = QLabel(self)
        self.hover = QLabel(self)
        self.hover.setObjectName("timelineHover")
        self.interpreter = QLabel(self)  # the run's Python and its GIL verdict
        self.interpreter.setObjectName("timelineInterpreter")
        self.interpreter.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for label in (self.legend, self.interpreter, self.hover):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 2, 6, 0)
        bar.addWidget(QLabel("Measurement:", self))
        bar.addWidget(self.combo)
        bar.addSpacing(12)
        bar.addWidget(self.count)
        bar.addSpacing(12)
        bar.addWidget(self.interpreter, 1)
        bar.addWidget(self.hover, 1)
        legend_row = QHBoxLayout()
        legend_row.setContentsMargins(6, 0, 6, 2)
        legend_row.addWidget(self.legend, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addLayout(legend_row)

    def set_interpreter(self, text: str) -> None:
        """ "Python 3.13t · GIL off while tasks ran" (from the run's report)."""
        self.interpreter.setText(text)
        self.interpreter.setToolTip(
            f"{text}: the interpreter the run host ran under, and whether the GIL was on while "
            "the tasks ran (checked in every worker after its imports)"
        )

    def set_count(self, count: int) -> None:
        self.count.setText(f"{count:,} task{'s' if count != 1 else ''}" if count else "")
