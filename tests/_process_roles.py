"""Who is who among the app's descendants: multiprocessing's helpers, the run host, workers.

The window runs scenarios in a run host (spawned: its command line carries
``--multiprocessing-fork``), which has its own forkserver; the resource tracker is shared.
Workers forked by a forkserver carry the server's command line, so a forkserver is told from
its workers by its parent: a forkserver's parent was not forked by a forkserver.
"""

from __future__ import annotations

import psutil

FORKSERVER = "multiprocessing.forkserver"
TRACKER = "multiprocessing.resource_tracker"
SPAWNED = "--multiprocessing-fork"


def _cmdline(process: psutil.Process | None) -> str:
    try:
        return " ".join(process.cmdline()) if process is not None else ""
    except psutil.Error:
        return ""


def is_mp_helper(process: psutil.Process) -> bool:
    """A forkserver or a resource tracker (of the app or of its run host)."""
    line = _cmdline(process)
    if TRACKER in line:
        return True
    if FORKSERVER not in line:
        return False
    try:
        parent = process.parent()
    except psutil.Error:
        return False
    return FORKSERVER not in _cmdline(parent)


def is_run_host(process: psutil.Process, app_pid: int) -> bool:
    """The window's run host: a spawned direct child of the app."""
    try:
        return process.ppid() == app_pid and SPAWNED in _cmdline(process)
    except psutil.Error:
        return False
