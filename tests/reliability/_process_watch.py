"""Helpers shared by the reliability tests: who is a child of ours, and waiting for conditions.

Imported by module name (pytest puts tests/reliability on sys.path). Every wait here polls a
condition with a deadline: a loaded 2-core machine may be slow, but never sleep-and-hope.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil
from _process_roles import is_mp_helper, is_run_host

DRIVER = Path(__file__).with_name("_gui_driver.py")
REPO = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], object], timeout: float, poll: float = 0.01) -> bool:
    """Poll ``condition`` until it is truthy (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(poll)


def is_helper(process: psutil.Process) -> bool:
    """The forkserver or the resource tracker, the app's or its run host's (see
    tests/_process_roles.py for how they are told from workers)."""
    return is_mp_helper(process)


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those still running: exited, reaped and zombie processes do not count."""
    out = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                out.append(process)
        except psutil.Error:
            pass
    return out


def descendants(pid: int | None = None) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def workers(pid: int | None = None) -> list[psutil.Process]:
    """Live descendants of ``pid`` (default: this process) other than multiprocessing's helpers
    and the window's run host: the processes a run starts."""
    root = pid or os.getpid()
    return alive([p for p in descendants(root) if not is_helper(p) and not is_run_host(p, root)])


def lab_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    """Threads started since ``before`` that are still alive (daemon or not)."""
    return [t for t in threading.enumerate() if t not in before and t.is_alive()]


def gui_env(config_dir: Path) -> dict[str, str]:
    """The environment for a GUI subprocess: offscreen, its own settings folder."""
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(config_dir))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    return env


def python() -> str:
    return sys.executable
