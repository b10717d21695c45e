"""Suite-wide set-up: offscreen Qt before anything imports it, and a guard against leaks.

A test that leaves a worker process or a thread of ours running fails here, so the suite
itself can never leave a process behind.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time

import psutil
import pytest

# Before anything imports Qt (none of the imports above does).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

# Every run a test starts is saved to the run history: keep that out of the user's data folder
# (child processes, the CLI under test included, inherit the variable).
_HISTORY_DIR = tempfile.mkdtemp(prefix="concurrency-lab-test-history-")
os.environ["CONCURRENCY_LAB_DATA_DIR"] = _HISTORY_DIR
atexit.register(shutil.rmtree, _HISTORY_DIR, True)

# multiprocessing's own long-lived helpers are not leaks: they live as long as the process.
_HELPER_MARKERS = ("forkserver", "resource_tracker")
_THREAD_ALLOW = ("event-sink", "parent-watch", "QueueFeederThread", "pydevd", "pool-terminate")


def _is_helper(child: psutil.Process) -> bool:
    """The forkserver or resource tracker itself: our direct child with its marker.

    Workers forked by the forkserver carry the server's command line too, but their parent is
    the server, not us: those are never exempt.
    """
    cmdline = " ".join(child.cmdline())
    return child.ppid() == os.getpid() and any(m in cmdline for m in _HELPER_MARKERS)


def _our_children() -> list[psutil.Process]:
    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() == psutil.STATUS_ZOMBIE or not _is_helper(child):
                out.append(child)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return out


def wait_no_children(timeout: float = 3.0) -> list[psutil.Process]:
    """Children of ours (not multiprocessing's helpers) still alive after ``timeout``."""
    deadline = time.monotonic() + timeout
    left = _our_children()
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = _our_children()
    return left


@pytest.fixture(autouse=True)
def no_leaked_workers(request):
    """Fail a test that leaves a child process or a worker thread of ours behind."""
    threads_before = set(threading.enumerate())
    yield
    if request.node.get_closest_marker("allow_leaks"):
        return
    left = wait_no_children()
    assert not left, f"test left child processes behind: {left}"
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        extra = [
            t
            for t in set(threading.enumerate()) - threads_before
            if t.is_alive() and not t.daemon and not t.name.startswith(_THREAD_ALLOW)
        ]
        if not extra:
            break
        time.sleep(0.05)
    assert not extra, f"test left threads running: {extra}"


WINDOW_TEARDOWN_MS = 90_000  # a loaded 2-core machine: a cancelled run may take a while to end


@pytest.fixture
def ini_path(tmp_path):
    return tmp_path / "concurrency-lab.ini"


@pytest.fixture
def ini_settings(ini_path):
    from PySide6.QtCore import QSettings  # imported here: engine tests never load Qt

    return QSettings(str(ini_path), QSettings.Format.IniFormat)


@pytest.fixture
def lab_host():
    from desktop_app.ui.main_window import window_host

    host = window_host()  # what the window builds for itself (started at its first run)
    yield host
    host.shutdown()


@pytest.fixture
def lab_window(qtbot, ini_settings, lab_host):
    """A shown MainWindow on its own INI file and run host; a run still going at teardown is
    cancelled and waited for."""
    from desktop_app.ui.main_window import MainWindow

    window = MainWindow(host=lab_host, settings=ini_settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    if window.is_running():
        window.cancel_run()
        qtbot.waitUntil(lambda: not window.is_running(), timeout=WINDOW_TEARDOWN_MS)
    window.close()
    lab_host.shutdown()


def pytest_configure(config):
    config.addinivalue_line("markers", "allow_leaks: the test manages its own processes")
