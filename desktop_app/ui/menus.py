"""The window's menu bar: File, Run, Lesson, Export and Help, and the Help dialogs.

Kept apart from main_window.py so the window reads as behaviour. The File menu is filled by
``MainWindow._build_file_menu``: the place where run files (open, save) and export entries go.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMenu, QTextBrowser, QVBoxLayout

from .. import __version__
from .help_texts import READING_THE_VIEWS, about_html, shortcuts_html
from .python_menu import PythonMenu

if TYPE_CHECKING:
    from .main_window import MainWindow


class TextDialog(QDialog):
    """A scrollable page of help text with a Close button (non-modal: read it beside the app)."""

    def __init__(self, parent: MainWindow, title: str, text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(620, 560)


class WindowMenus:
    """Builds the menu bar of ``window`` and keeps its actions reachable by name."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.dialogs: dict[str, TextDialog] = {}
        bar = window.menuBar()
        self.file_menu = bar.addMenu("&File")
        window._build_file_menu(self.file_menu)
        self._build_run_menu(bar.addMenu("&Run"))
        self.lesson_menu = bar.addMenu("&Lesson")
        self.presets_menu = QMenu("&Try this", window)
        self.presets_menu.setObjectName("presetsMenu")
        self._build_lesson_menu(self.lesson_menu)
        window.exports.fill_menu(bar.addMenu("&Export"))
        window.addAction(window.exports.export_action)  # Ctrl+E works with the menu closed
        window.history_ui.fill_menu(bar.addMenu("&History"))  # ui/history/history_actions.py
        self._build_help_menu(bar.addMenu("&Help"))

    def _action(
        self, text: str, slot, shortcut: str | QKeySequence = "", name: str = ""
    ) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        self.window.addAction(action)  # its shortcut works with the menus closed
        return action

    def _build_run_menu(self, menu: QMenu) -> None:
        window = self.window
        window.run_action = self._action("&Run", window.start_run, "Ctrl+R", "runAction")
        window.cancel_action = self._action(
            "&Cancel", window.cancel_run, QKeySequence(Qt.Key.Key_Escape), "cancelAction"
        )
        window.cancel_action.setEnabled(False)
        menu.addActions([window.run_action, window.cancel_action])
        menu.addSeparator()
        window.scheduler_action = window.scheduler_setting.add_to(menu)
        self.python_menu = PythonMenu(window, menu)  # which Python the run host runs under

    def _build_lesson_menu(self, menu: QMenu) -> None:
        window = self.window
        menu.addMenu(self.presets_menu)
        self.reset_params_action = self._action(
            "Reset &parameters to the lesson's defaults",
            window.reset_parameters,
            "Ctrl+Shift+D",
            "resetParamsAction",
        )
        menu.addAction(self.reset_params_action)
        menu.addSeparator()
        self.reset_all_action = self._action(
            "Reset &all settings…", window.ask_reset_all_settings, name="resetAllAction"
        )
        self.reset_all_action.setToolTip(
            "Forget every lesson's parameters, the window's size and layout, and the export folder"
        )
        menu.addAction(self.reset_all_action)

    def fill_presets(self, menu: QMenu, presets: tuple, apply) -> None:
        """The current lesson's presets as actions of ``menu`` (the menu and the button's)."""
        menu.clear()
        for preset in presets:
            action = menu.addAction(preset.name)
            action.setToolTip(preset.description)
            action.setStatusTip(preset.description)
            action.triggered.connect(lambda _=False, p=preset: apply(p))
        if not presets:
            menu.addAction("This lesson has no presets").setEnabled(False)
        menu.setToolTipsVisible(True)

    def _build_help_menu(self, menu: QMenu) -> None:
        guide = self._action("&Reading the views", self.show_guide, "F1", "helpGuideAction")
        keys = self._action("&Keyboard shortcuts", self.show_shortcuts, name="helpKeysAction")
        about = self._action("&About Concurrency Lab", self.show_about, name="aboutAction")
        menu.addActions([guide, keys])
        menu.addSeparator()
        menu.addAction(about)

    def _show(self, key: str, title: str, text: str) -> TextDialog:
        dialog = self.dialogs.get(key)
        if dialog is None:
            dialog = self.dialogs[key] = TextDialog(self.window, title, text)
        dialog.show()
        dialog.raise_()
        return dialog

    def show_guide(self) -> TextDialog:
        return self._show("guide", "Reading the views", READING_THE_VIEWS)

    def show_shortcuts(self) -> TextDialog:
        return self._show("keys", "Keyboard shortcuts", shortcuts_html())

    def show_about(self) -> TextDialog:
        path = self.window.settings_path()
        return self._show("about", "About Concurrency Lab", about_html(__version__, path))
