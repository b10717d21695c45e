"""Pool size, the sizes and repeats of a sweep, Run and Cancel, and the progress bar.

The Run button is enabled only when what it would run is valid; when it is not, its tooltip
and the message under the sizes say why, so a disabled button is never a mystery.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...engine.limits import MAX_POOL_SIZE, MAX_REPEATS, MIN_POOL_SIZE, MIN_REPEATS

RUN_TIP = "Run the scenario with these settings (Ctrl+R)"


def slider_maximum(cores: int) -> int:
    """At least 16 and twice the cores, so oversubscription is one drag away; the engine caps."""
    return min(MAX_POOL_SIZE, max(16, 2 * cores))


def parse_sizes(text: str) -> tuple[tuple[int, ...], str]:
    """``"2, 4, 8"`` into sizes, or ``((), reason)`` in one line."""
    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    if not any(parts):
        return (), "Enter at least one pool size, e.g. 2, 4, 8"
    sizes = []
    for part in parts:
        if not part:
            return (), "Pool sizes: an empty entry between commas"
        try:
            size = int(part)
        except ValueError:
            return (), f"Pool sizes: {part!r} is not a whole number"
        if not MIN_POOL_SIZE <= size <= MAX_POOL_SIZE:
            return (), f"Pool sizes: {size} is outside {MIN_POOL_SIZE}..{MAX_POOL_SIZE}"
        if size not in sizes:
            sizes.append(size)
    return tuple(sizes), ""


def format_sizes(sizes: tuple[int, ...]) -> str:
    return ", ".join(str(s) for s in sizes)


class RunControls(QWidget):
    """The run settings that are not scenario parameters, and the run buttons."""

    run_requested = Signal()
    cancel_requested = Signal()
    settings_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cores = os.cpu_count() or 1
        self._sizes_reason = ""
        self._busy = False
        self._sweeps = False
        self._fixed_pool = ""  # why the lesson ignores the pool size ('' = it uses it)
        self._syncing = False  # the slider and the sizes field updating each other
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._slider_row = self._build_slider()
        self._sizes_edit = QLineEdit()
        self._sizes_edit.setObjectName("poolSizesEdit")
        self._sizes_edit.setPlaceholderText("2, 4, 8")
        self._sizes_edit.setToolTip(
            f"Pool sizes to sweep, comma-separated whole numbers {MIN_POOL_SIZE}..{MAX_POOL_SIZE}"
        )
        self._sizes_edit.textChanged.connect(self._on_sizes_edit_text_changed)
        self._repeats = QSpinBox()
        self._repeats.setObjectName("repeatsSpin")
        self._repeats.setRange(MIN_REPEATS, MAX_REPEATS)
        self._repeats.setToolTip("How often each pool size is timed; the plot shows the median")
        self._repeats.valueChanged.connect(self.settings_changed)
        self._slider_label = QLabel("&Pool size:")
        self._slider_label.setBuddy(self.slider)
        self._sizes_label = QLabel("Pool si&zes:")
        self._sizes_label.setBuddy(self._sizes_edit)
        repeats_label = QLabel("R&epeats:")
        repeats_label.setBuddy(self._repeats)
        form.addRow(self._slider_label, self._slider_row)
        form.addRow(self._sizes_label, self._sizes_edit)
        form.addRow(repeats_label, self._repeats)
        self._form = form
        self.message = QLabel()
        self.message.setObjectName("runMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #d32f2f;")
        self.message.hide()
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(self._build_buttons())
        self.progress = QProgressBar()
        self.progress.setObjectName("progressBar")
        self.progress.setTextVisible(True)
        self.progress.setFormat("Ready")
        self.progress.setValue(0)
        self.progress.setToolTip("Tasks done / total of the current measurement, and elapsed time")
        layout.addWidget(self.progress)

    def _build_slider(self) -> QWidget:
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("poolSizeSlider")
        self.slider.setRange(MIN_POOL_SIZE, slider_maximum(self.cores))
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(self.cores)
        self.slider.setPageStep(self.cores)
        self.slider.setToolTip(self._slider_tip())
        self._size_value = QLabel()
        self._size_value.setObjectName("poolSizeValue")
        self._size_value.setMinimumWidth(self.fontMetrics().horizontalAdvance("64 (= cores)"))
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.slider, 1)
        box.addWidget(self._size_value)
        self._on_slider_value_changed(self.slider.value())
        return row

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("runButton")
        self.run_button.setToolTip(RUN_TIP)
        self.run_button.setDefault(True)
        self.run_button.setMinimumHeight(30)
        self.run_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.run_button.clicked.connect(self.run_requested)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setToolTip("Stop the run; process workers are killed (Esc)")
        self.cancel_button.setMinimumHeight(30)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_requested)
        row.addWidget(self.run_button, 2)
        row.addWidget(self.cancel_button, 1)
        return row

    # --- state ----------------------------------------------------------------------------------

    def set_sweeping(self, sweeps: bool) -> None:
        """Sweeps run the listed sizes, and the slider sets the largest of them (dragging it
        extends or trims the sweep); other scenarios run one pool of the slider's size."""
        self._sweeps = sweeps
        self._slider_label.setText("Largest &pool size:" if sweeps else "&Pool size:")
        self._form.setRowVisible(self._sizes_edit, sweeps)
        if sweeps:
            self._sync_slider_to_sizes()
        self._update_run_button()

    def set_fixed_pool(self, reason: str) -> None:
        """A lesson that ignores the pool size (``Scenario.fixed_pool``): the slider is
        disabled and its tooltip says why; '' enables it again."""
        self._fixed_pool = reason
        self.slider.setEnabled(not reason and not self._busy)
        self._slider_label.setEnabled(not reason)
        self._size_value.setEnabled(not reason)
        self.slider.setToolTip(self._slider_tip())
        self._slider_label.setToolTip(self._slider_tip())
        self._on_slider_value_changed(self.slider.value())

    def fixed_pool(self) -> str:
        return self._fixed_pool

    def _slider_tip(self) -> str:
        if self._fixed_pool:
            return f"Not used by this lesson: {self._fixed_pool}"
        return (
            f"Workers in the pool. This machine has {self.cores} cores (a tick every "
            f"{self.cores}); more workers than cores only take turns on CPU-bound work."
        )

    def sweeping(self) -> bool:
        return self._sweeps

    def pool_size(self) -> int:
        return self.slider.value()

    def set_pool_size(self, size: int) -> None:
        self.slider.setValue(size)

    def pool_sizes(self) -> tuple[int, ...]:
        return parse_sizes(self._sizes_edit.text())[0]

    def set_pool_sizes_text(self, text: str) -> None:
        self._sizes_edit.setText(text)

    def repeats(self) -> int:
        return self._repeats.value()

    def set_repeats(self, repeats: int) -> None:
        self._repeats.setValue(repeats)

    def refusal(self) -> str:
        """Why Run would be refused right now ('' when it would not be)."""
        if self._busy:
            return "A run is in progress: wait for it or cancel it"
        if self.sweeping() and self._sizes_reason:
            return self._sizes_reason
        return ""

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.cancel_button.setEnabled(busy)
        for widget in (self._sizes_edit, self._repeats):
            widget.setEnabled(not busy)
        self.slider.setEnabled(not busy and not self._fixed_pool)
        self._update_run_button()

    def _update_run_button(self) -> None:
        reason = self.refusal()
        self.run_button.setEnabled(not reason)
        self.run_button.setToolTip(reason or RUN_TIP)
        invalid = bool(self._sizes_reason) and self.sweeping()
        self.message.setText(self._sizes_reason if invalid else "")
        self.message.setVisible(invalid)

    # --- slots ----------------------------------------------------------------------------------

    def _on_slider_value_changed(self, value: int) -> None:
        note = " (= cores)" if value == self.cores else ""
        self._size_value.setText("not used" if self._fixed_pool else f"{value}{note}")
        if self._sweeps and not self._syncing:
            smaller = [size for size in self.pool_sizes() if size < value]
            self._syncing = True
            try:
                self._sizes_edit.setText(format_sizes((*smaller, value)))
            finally:
                self._syncing = False
        self.settings_changed.emit()

    def _sync_slider_to_sizes(self) -> None:
        """Put the slider on the largest size of the sweep, without rewriting the sweep."""
        sizes = self.pool_sizes()
        if not sizes or self._syncing:
            return
        largest = max(sizes)
        if largest > self.slider.maximum():
            self.slider.setMaximum(largest)
        self._syncing = True
        try:
            self.slider.setValue(largest)
        finally:
            self._syncing = False

    def _on_sizes_edit_text_changed(self, text: str) -> None:
        self._sizes_reason = parse_sizes(text)[1]
        if self._sweeps:
            self._sync_slider_to_sizes()
        self._sizes_edit.setStyleSheet("border: 1px solid #d32f2f;" if self._sizes_reason else "")
        self._update_run_button()
        self.settings_changed.emit()
