"""The window's widgets and splitters, built in one place so main_window.py reads as behaviour.

Left: the scenario chooser. Right, on top: the scenario's text and code beside its parameters
and run controls; below: the live views in tabs (timing, timeline, CPU, output, results, errors).

The three plot views need pyqtgraph and numpy, about half a second of imports on a 2-core
machine before anything can show. With ``defer_views`` their tabs start as placeholders and the
window builds them after its first paint, one step at a time (``view_steps``); anything that
needs a view before then (a run, an export, a test) builds it on the spot through the
properties below, so callers never see the difference.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QLabel,
    QMainWindow,
    QMenu,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..scenarios.base import Scenario
from .panels.error_console import ErrorConsole
from .panels.output_view import OutputView
from .panels.param_panel import ParamPanel
from .panels.results_table import ResultsTable
from .panels.run_controls import RunControls
from .panels.scenario_chooser import ScenarioChooser
from .panels.scenario_info import ScenarioInfo
from .settings_store import SettingsStore

if TYPE_CHECKING:
    from .plots.cpu_view import CpuView
    from .plots.task_timeline import TaskTimeline
    from .plots.timing_plot import TimingPlot

# Default proportions at 1280 x 800; the user's own are restored from the settings. The top row
# (lesson text beside the controls) is tall enough for pool-timing's controls and the run status
# without a scrollbar (seen clipped under Xvfb at 330 px).
DEFAULT_SIZES = {"main": [290, 990], "right": [370, 380], "top": [620, 370]}
TAB_TIMING, TAB_TIMELINE, TAB_CPU, TAB_OUTPUT, TAB_RESULTS, TAB_ERRORS = range(6)
_VIEW_TABS = {"timing": TAB_TIMING, "timeline": TAB_TIMELINE, "cpu": TAB_CPU}
_VIEW_TIPS = {
    "timing": "Wall time against pool size, and speedup",
    "timeline": "Which worker ran which task, and when",
    "cpu": "Per-core utilisation while the run goes",
}
_UNUSED_TIPS = {
    "timing": "it does not compare pool sizes; its story is in the Timeline, Output and "
    "Results tabs.",
    "timeline": "it runs no tasks to draw.",
    "cpu": "it runs no workers to watch.",
}

# The lesson text's narrowest: the chooser gives way first (see MainWindow.MINIMUM_SIZE).
INFO_MIN_WIDTH = 230


def _import_numpy() -> None:
    """numpy, a step of its own (~0.1 s), and numpy.ma: np.unique imports it on its first call
    (numpy 2), 50-100 ms that the first run's first measurement would otherwise pay."""
    import numpy
    import numpy.ma  # noqa: F401


def _import_pyqtgraph() -> None:
    import pyqtgraph  # noqa: F401 (~0.3 s, most of it pyqtgraph.Qt copying PySide6's names)


class WindowLayout:
    """Creates and owns references to every widget of the main window."""

    def __init__(
        self, window: QMainWindow, scenarios: list[Scenario], defer_views: bool = False
    ) -> None:
        self.chooser = ScenarioChooser(scenarios)
        self.info = ScenarioInfo()
        self.params = ParamPanel()
        self.controls = RunControls()
        self._views: dict[str, QWidget] = {}
        self.output = OutputView()
        self.results = ResultsTable()
        self.errors = ErrorConsole()
        self.tabs = self._build_tabs()
        self.run_caption = QLabel()
        self.run_caption.setObjectName("runCaption")
        self.run_caption.setWordWrap(True)
        self.run_caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.run_caption.setToolTip("Which run the Timing, Timeline and Results tabs show")
        self.set_run_caption("No run yet: choose a lesson and press Run (Ctrl+R).")
        self.top = QSplitter(Qt.Orientation.Horizontal)
        self.top.setObjectName("topSplitter")
        info = self._padded(self.info)
        info.setMinimumWidth(INFO_MIN_WIDTH)  # at the window's minimum size: 110 px, a word a line
        self.top.addWidget(info)
        self.top.addWidget(self._build_side())
        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.setObjectName("rightSplitter")
        self.right.addWidget(self.top)
        self.right.addWidget(self._tabs_with_caption())
        self.main = QSplitter(Qt.Orientation.Horizontal)
        self.main.setObjectName("mainSplitter")
        self.main.addWidget(self._padded(self.chooser))
        self.main.addWidget(self.right)
        for splitter, stretch in ((self.main, (0, 1)), (self.right, (0, 1)), (self.top, (1, 0))):
            splitter.setChildrenCollapsible(False)
            splitter.setHandleWidth(6)
            for index, factor in enumerate(stretch):
                splitter.setStretchFactor(index, factor)
        window.setCentralWidget(self.main)
        self.apply_default_sizes()
        if not defer_views:
            for step in self.view_steps():
                step()

    @staticmethod
    def _padded(widget: QWidget, margins: tuple[int, int, int, int] = (8, 8, 4, 4)) -> QWidget:
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(*margins)
        layout.addWidget(widget)
        return holder

    def _tabs_with_caption(self) -> QWidget:
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(2)
        layout.addWidget(self.run_caption)
        layout.addWidget(self.tabs, 1)
        return holder

    def _build_side(self) -> QWidget:
        """Parameters above the run settings and buttons, scrolling if a scenario has many."""
        params_box = QGroupBox("Parameters")
        params_layout = QVBoxLayout(params_box)
        params_layout.addWidget(self.params)
        self.presets_menu = QMenu(params_box)
        self.presets_menu.setObjectName("presetsButtonMenu")
        self.presets_button = QToolButton()
        self.presets_button.setObjectName("presetsButton")
        self.presets_button.setText("Try this…")
        self.presets_button.setToolTip("Settings that make this lesson's point (Lesson menu)")
        self.presets_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.presets_button.setMenu(self.presets_menu)
        params_layout.addWidget(self.presets_button, 0, Qt.AlignmentFlag.AlignLeft)
        run_box = QGroupBox("Run")
        run_layout = QVBoxLayout(run_box)
        run_layout.addWidget(self.controls)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(4, 8, 8, 4)
        layout.addWidget(params_box)
        layout.addWidget(run_box)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("sidePanel")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        scroll.setMinimumWidth(270)
        return scroll

    def _build_tabs(self) -> QTabWidget:
        tabs = QTabWidget()
        tabs.setObjectName("viewTabs")
        tabs.setDocumentMode(True)
        pages = (
            (_placeholder(), "&Timing", _VIEW_TIPS["timing"]),
            (_placeholder(), "Time&line", _VIEW_TIPS["timeline"]),
            (_placeholder(), "C&PU", _VIEW_TIPS["cpu"]),
            (self.output, "&Output", "What the workers printed"),
            (self.results, "Re&sults", "The scenario's results table"),
            (self.errors, "Errors (0)", "Every error of every worker, with its traceback"),
        )
        for widget, title, tip in pages:
            index = tabs.addTab(widget, title)
            tabs.setTabToolTip(index, tip)
        return tabs

    # --- the plot views, built now or after the first paint ---------------------------------------

    @property
    def timing_plot(self) -> TimingPlot:
        return self._view("timing")  # type: ignore[return-value]

    @property
    def timeline(self) -> TaskTimeline:
        return self._view("timeline")  # type: ignore[return-value]

    @property
    def cpu_view(self) -> CpuView:
        return self._view("cpu")  # type: ignore[return-value]

    def views_built(self) -> bool:
        return len(self._views) == len(_VIEW_TABS)

    def view_built(self, key: str) -> bool:
        return key in self._views

    def view_steps(self) -> list[Callable[[], object]]:
        """What is left to build the plot views, in steps short enough to run between events."""
        if self.views_built():
            return []
        steps: list[Callable[[], object]] = [_import_numpy, _import_pyqtgraph]
        return steps + [functools.partial(self._view, key) for key in _VIEW_TABS]

    def _view(self, key: str) -> QWidget:
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = _make_view(key)
            self._place(_VIEW_TABS[key], view)
        return view

    def _place(self, index: int, view: QWidget) -> None:
        """Put ``view`` in its tab instead of the placeholder, keeping the tab and the choice."""
        tabs = self.tabs
        current, title, tip = tabs.currentIndex(), tabs.tabText(index), tabs.tabToolTip(index)
        placeholder = tabs.widget(index)
        tabs.blockSignals(True)
        tabs.removeTab(index)
        tabs.insertTab(index, view, title)
        tabs.setTabToolTip(index, tip)
        tabs.setCurrentIndex(current)
        tabs.blockSignals(False)
        if placeholder is not None:
            placeholder.deleteLater()

    def show_run_tabs(self, sweeps: bool) -> None:
        """At run start, show the view that tells the story: the plot for sweeps."""
        if self.tabs.currentIndex() in (TAB_TIMING, TAB_TIMELINE, TAB_RESULTS):
            self.tabs.setCurrentIndex(TAB_TIMING if sweeps else TAB_TIMELINE)

    def set_error_count(self, run: int, total: int | None = None) -> None:
        """The current run's errors (the status bar says the same); all runs' when more."""
        more = f" · {total} in all" if total is not None and total != run else ""
        self.tabs.setTabText(TAB_ERRORS, f"Errors ({run}{more})")

    def set_run_caption(self, text: str) -> None:
        self.run_caption.setText(text)

    def set_views_used(self, views: tuple[str, ...]) -> None:
        """Disable the plot tabs a lesson does not fill, saying why (``Scenario.views``)."""
        for key, index in _VIEW_TABS.items():
            used = key in views
            self.tabs.setTabEnabled(index, used)
            tip = _VIEW_TIPS[key] if used else f"Not used by this lesson: {_UNUSED_TIPS[key]}"
            self.tabs.setTabToolTip(index, tip)
        if not self.tabs.isTabEnabled(self.tabs.currentIndex()):
            self.tabs.setCurrentIndex(TAB_TIMELINE if "timeline" in views else TAB_OUTPUT)

    def clear_run_views(self) -> None:
        """Forget the shown run in the plots and the table (only views already built)."""
        self.results.clear()
        if self.view_built("timing"):
            self.timing_plot.clear()
        if self.view_built("timeline"):
            self.timeline.reset(time.perf_counter())
            self.timeline.refresh()

    # --- splitter state -------------------------------------------------------------------------

    def splitters(self) -> dict[str, QSplitter]:
        return {"main": self.main, "right": self.right, "top": self.top}

    def splitter_states(self) -> dict[str, QByteArray]:
        return {name: splitter.saveState() for name, splitter in self.splitters().items()}

    def apply_default_sizes(self) -> None:
        for name, splitter in self.splitters().items():
            splitter.setSizes(DEFAULT_SIZES[name])

    def restore_splitters(self, store: SettingsStore) -> None:
        """The saved proportions, each one only if Qt accepts it (garbage is ignored)."""
        for name, splitter in self.splitters().items():
            state = store.splitter_state(name)
            if state is None or not splitter.restoreState(state):
                splitter.setSizes(DEFAULT_SIZES[name])
            elif any(size <= 0 for size in splitter.sizes()):
                splitter.setSizes(DEFAULT_SIZES[name])


def _placeholder() -> QWidget:
    label = QLabel("Loading the plots…")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setEnabled(False)  # the palette's muted text colour
    return label


def _make_view(key: str) -> QWidget:
    """The plot view for ``key``; imported here, not at the top, so the window can show first."""
    if key == "timing":
        from .plots.timing_plot import TimingPlot

        plot = TimingPlot()
        plot.set_cores(os.cpu_count() or 1)
        return plot
    if key == "timeline":
        from .plots.task_timeline import TaskTimeline

        return TaskTimeline()
    from .plots.cpu_view import CpuView

    return CpuView()
