"""The one place that chooses how worker processes start.

``fork`` is never used: Qt (and the engine's own dispatch threads) run threads, and forking a
threaded process can deadlock the child on a lock some other thread held at fork time (reproduced
with a QRunnable holding a lock). ``forkserver`` forks from a clean single-threaded server and
starts pools fastest; ``spawn`` is the portable fallback (Windows, and anywhere forkserver is
missing).
"""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.context import BaseContext, SpawnContext
from typing import Final

_PREFERRED = ("forkserver", "spawn")
# Lets a benchmark or a test compare start methods; "fork" is refused, never used.
OVERRIDE_ENV = "CONCURRENCY_LAB_START_METHOD"


def choose_start_method() -> str:
    """The start method from ``CONCURRENCY_LAB_START_METHOD`` if safe, else the first safe one."""
    available = multiprocessing.get_all_start_methods()
    wanted = os.environ.get(OVERRIDE_ENV, "").strip().lower()
    if wanted in _PREFERRED and wanted in available:
        return wanted
    for method in _PREFERRED:
        if method in available:
            return method
    raise RuntimeError(f"no safe start method available (have {available})")


START_METHOD: str = choose_start_method()


def get_context() -> BaseContext:
    """The multiprocessing context every process, pool and primitive of the app must use."""
    return multiprocessing.get_context(START_METHOD)


# The run host (engine/run_host.py) is one long-lived process, started once per window: spawn
# starts it as directly as the forkserver would (which must itself be spawned first) and leaves
# the window's process with no forkserver of its own. Its pools then use START_METHOD inside it.
HOST_START_METHOD: Final = "spawn"


def get_host_context() -> SpawnContext:
    """The context that starts the window's run host (spawn exists on every platform)."""
    return multiprocessing.get_context(HOST_START_METHOD)
