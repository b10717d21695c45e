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
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.context import BaseContext, SpawnContext
from typing import TYPE_CHECKING, Final, cast

if TYPE_CHECKING:
    from multiprocessing.context import ForkServerProcess, SpawnProcess

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
    return _shielded(START_METHOD)


# The run host (engine/run_host.py) is one long-lived process, started once per window: spawn
# starts it as directly as the forkserver would (which must itself be spawned first) and leaves
# the window's process with no forkserver of its own. Its pools then use START_METHOD inside it.
HOST_START_METHOD: Final = "spawn"


def get_host_context() -> SpawnContext:
    """The context that starts the window's run host (spawn exists on every platform)."""
    return cast(SpawnContext, _shielded(HOST_START_METHOD))  # "spawn": _ShieldedSpawnContext


# --- children leave the terminal's signals to the app ------------------------------------------
#
# A terminal sends Ctrl-C (SIGINT) and its closing (SIGHUP) to the whole process group: every
# pool worker, the forkserver, the resource tracker and the run host get them too. Workers then
# died in KeyboardInterrupt tracebacks (one while holding a Pool's queue lock, which hung the
# CLI's shutdown for good), and SIGHUP killed the resource tracker before it could unlink the
# run's semaphores (sem.mp-* left in /dev/shm). The app's own handler already cancels the run
# and stops every child, so children must not act on these signals at all.
#
# How: a child inherits the signal mask of the thread that starts it, through fork and exec,
# and passes it on to its own children (the forkserver's workers). So each process start goes
# through a context whose Process blocks SIGINT and SIGHUP in the starting thread for the moment
# of the start. Blocked rather than ignored: the mask is per thread, so the app's main thread
# keeps receiving both, whichever thread starts a child. SIGTERM stays deliverable (terminate).
TERMINAL_SIGNALS: tuple[int, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGHUP") if hasattr(signal, name)
)
_CAN_MASK = hasattr(signal, "pthread_sigmask")


@contextmanager
def terminal_signals_blocked() -> Iterator[None]:
    """Block SIGINT and SIGHUP in this thread for the block (a no-op where masks do not exist)."""
    if not _CAN_MASK:
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, TERMINAL_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_shielded(base: type[SpawnProcess] | type[ForkServerProcess]) -> type:
    """A Process class of ``base``'s start method whose children inherit the blocked mask."""

    def _Popen(process_obj):
        with terminal_signals_blocked():
            return base._Popen(process_obj)

    return staticmethod(_Popen)  # type: ignore[return-value]


class ShieldedSpawnProcess(multiprocessing.context.SpawnProcess):
    """A spawned child that never acts on the terminal's SIGINT or SIGHUP (see above)."""

    _Popen = _start_shielded(multiprocessing.context.SpawnProcess)


class _ShieldedSpawnContext(multiprocessing.context.SpawnContext):
    Process = ShieldedSpawnProcess


_CONTEXT_CLASSES: dict[str, type[BaseContext]] = {"spawn": _ShieldedSpawnContext}

if hasattr(multiprocessing.context, "ForkServerProcess"):  # not on Windows

    class ShieldedForkServerProcess(multiprocessing.context.ForkServerProcess):
        """A forkserver child (and the forkserver itself) shielded the same way."""

        _Popen = _start_shielded(multiprocessing.context.ForkServerProcess)

    class _ShieldedForkServerContext(multiprocessing.context.ForkServerContext):
        Process = ShieldedForkServerProcess

    _CONTEXT_CLASSES["forkserver"] = _ShieldedForkServerContext

_contexts: dict[str, BaseContext] = {}
_contexts_lock = threading.Lock()


def _shielded(method: str) -> BaseContext:
    """The shielded context of ``method``, with the resource tracker running, shielded too.

    The tracker is started here, not at the first semaphore: a semaphore made outside any
    process start would otherwise spawn it with the terminal's signals unblocked.
    """
    with _contexts_lock:
        context = _contexts.get(method)
        if context is None:
            context = _contexts[method] = _CONTEXT_CLASSES[method]()
        if os.name == "posix":  # again after stop_process_helpers() stopped it; cheap if alive
            from multiprocessing import resource_tracker

            with terminal_signals_blocked():
                resource_tracker.ensure_running()
        return context
