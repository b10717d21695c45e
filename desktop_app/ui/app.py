"""Starting and stopping the window: the QApplication, its hooks and a clean quit.

A clean quit matters more than usual here: pool workers and multiprocessing's helpers are
children of ours, and a quit that leaves them (SIGTERM skips atexit; interpreter exit with
executor jobs running hung 20 s, see docs/architecture.md) would leave processes behind.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from ..engine.pools import stop_process_helpers
from .display_check import display_problem
from .excepthooks import ExceptionRelay
from .main_window import MainWindow
from .smoke_test import smoke_test  # noqa: F401 (entry.py looks it up here: --smoke-test)

APP_NAME = "Concurrency Lab"
SIGNAL_POLL_MS = 200  # lets Python's signal handlers run while Qt's C++ loop waits
# The GUI thread shares the GIL with the bridge's thread, which unpickles the run host's event
# batches (the engine itself runs in the host: engine/run_host.py). Each time the GUI thread
# comes back from Qt's C++ it may wait a whole switch interval for the GIL: a plot repaint
# measured 0.9 ms alone, 10.5 ms beside one busy thread at Python's default 5 ms, 2.5 ms at 1 ms
# (measured when the engine still ran in this process; tests/benchmarks/gui_latency.py).
SWITCH_INTERVAL_S = 0.001
# Qt's raster engine hands a large fill to a thread pool and waits for it (QLatch). With the
# run's workers on both cores those helper threads wait to be scheduled, and a paint's wall
# time was 1.4 times its CPU time; without the pool 1.1-1.2, paints 18-30 % shorter, the same
# CPU (results/gui_latency_threadpool_ab.json). Qt reads it once, at the first large fill.
NO_GUI_THREADPOOL_ENV = "QT_NO_GUI_THREADPOOL"
# tests/benchmarks/startup_time.py sets this: print a line at the first frame and one when the
# plots are built, then quit. The benchmark times the lines as they arrive.
STARTUP_PROBE_ENV = "CONCURRENCY_LAB_STARTUP_PROBE"


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
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    os.environ.setdefault(NO_GUI_THREADPOOL_ENV, "1")  # a user's own setting wins
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
    """SIGTERM (and Ctrl+C, and SIGHUP) close the window like the user would: the run cancelled,
    no child left. Python runs a signal handler only between bytecodes, so a timer wakes it regularly.
    """

    def handler(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, window.close)
        QTimer.singleShot(0, app.quit)

    # SIGHUP (the terminal that started us closed) ends the app like SIGTERM; the run host and
    # the workers never see SIGINT or SIGHUP themselves (engine/start_method.py).
    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), handler)
    poll = QTimer(app)
    poll.setInterval(SIGNAL_POLL_MS)
    poll.timeout.connect(lambda: None)
    poll.start()
    return poll


def _install_startup_probe(window: MainWindow) -> None:
    """The start-up benchmark's hook (``STARTUP_PROBE_ENV``): report the first frame and the
    plots ready on stdout, then close the window as a user would."""

    def report(what: str) -> None:
        print(f"startup-probe: {what}", flush=True)

    window.first_painted.connect(lambda: report("window_shown"))

    def on_views_ready() -> None:
        report("views_ready")
        QTimer.singleShot(0, window.close)

    window.views_ready.connect(on_views_ready)


def freeze_startup_objects() -> None:
    """Collect once, then move every object alive now out of the garbage collector's sight.

    The window's modules, widgets and plot items are some 76,000 tracked objects that live as
    long as the app; each full collection walked them all: 48 ms of frozen GUI thread, at
    moments nobody chooses (one came mid-run while a results table arrived). ``gc.freeze`` is
    CPython's tool for exactly this; afterwards a full collection walks only what came later.
    """
    gc.collect()
    gc.freeze()


def run_gui(argv: list[str]) -> int:
    """Open the window and run the event loop; returns the exit code."""
    problem = display_problem(argv)
    if problem:  # Qt would abort with a core dump and a misleading message
        print(f"concurrency-lab: {problem}", file=sys.stderr)
        return 1
    app = make_application(argv)
    relay = ExceptionRelay(app)
    window = MainWindow(defer_views=True)  # paint first, then build the plots
    window.views_ready.connect(freeze_startup_objects)
    relay.error_caught.connect(window.add_error_record)
    relay.install()

    def on_about_to_quit() -> None:
        window.shutdown()
        stop_process_helpers()  # collects first; leaves them if semaphores survive (see there)
        relay.uninstall()

    app.aboutToQuit.connect(on_about_to_quit)
    poll = install_sigterm(app, window)
    from ..early_signals import pending_signal

    if pending_signal() is not None:  # arrived while the app was starting: end as for it now
        QTimer.singleShot(0, window.close)
        QTimer.singleShot(0, app.quit)
    if os.environ.get(STARTUP_PROBE_ENV):
        _install_startup_probe(window)
    window.show()
    try:
        return int(app.exec())
    finally:
        poll.stop()
