"""Starting and stopping the window: the QApplication, its hooks and a clean quit.

A clean quit matters more than usual here: pool workers and multiprocessing's helpers are
children of ours, and a quit that leaves them (SIGTERM skips atexit; interpreter exit with
executor jobs running hung 20 s, see DESIGN.md) would leave processes behind.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from ..engine.pools import stop_process_helpers
from .excepthooks import ExceptionRelay
from .main_window import MainWindow
from .smoke_test import smoke_test  # noqa: F401 (entry.py looks it up here: --smoke-test)

APP_NAME = "Concurrency Lab"
SIGNAL_POLL_MS = 200  # lets Python's signal handlers run while Qt's C++ loop waits


def resources_dir() -> Path:
    """resources/ beside the package, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def app_icon() -> QIcon:
    icon = QIcon()
    folder = resources_dir()
    for name in ("icon.svg", "icon-256.png", "icon-64.png", "icon-32.png", "icon-16.png"):
        if (folder / name).is_file():
            icon.addFile(str(folder / name))
    return icon


def make_application(argv: list[str]) -> QApplication:
    """The QApplication, named so QSettings finds the app's own settings."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("concurrency-lab")
    icon = app_icon()
    if not icon.isNull():
        app.setWindowIcon(icon)
    return app


def install_sigterm(app: QApplication, window: MainWindow) -> QTimer:
    """SIGTERM (and Ctrl+C) close the window like the user would: the run cancelled, no child
    left. Python runs a signal handler only between bytecodes, so a timer wakes it regularly.
    """

    def handler(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, window.close)
        QTimer.singleShot(0, app.quit)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    poll = QTimer(app)
    poll.setInterval(SIGNAL_POLL_MS)
    poll.timeout.connect(lambda: None)
    poll.start()
    return poll


def run_gui(argv: list[str]) -> int:
    """Open the window and run the event loop; returns the exit code."""
    app = make_application(argv)
    relay = ExceptionRelay(app)
    window = MainWindow()
    relay.error_caught.connect(window.add_error_record)
    relay.install()

    def on_about_to_quit() -> None:
        window.shutdown()
        stop_process_helpers()
        relay.uninstall()

    app.aboutToQuit.connect(on_about_to_quit)
    poll = install_sigterm(app, window)
    window.show()
    try:
        return int(app.exec())
    finally:
        poll.stop()
