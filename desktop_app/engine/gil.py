"""The GIL verdict of a run: is the build free-threaded, and was the GIL really off?

Two separate questions, because the answer to the first does not give the second:

- the build: ``sysconfig.get_config_var("Py_GIL_DISABLED") == 1``. Not merely "present": a
  normal 3.13 build defines it as 0, and older builds do not define it at all.
- the run: a free-threaded build turns the GIL back on when it imports an extension module that
  does not declare free-threading support (and ``PYTHON_GIL=1`` or ``-X gil=1`` keep it on), so
  what counts is ``sys._is_gil_enabled()`` *inside each worker after its imports*. Every chunk a
  worker runs reports it at the chunk's end (engine/_worker.py), the dispatch loop notes it
  here by worker, and the run's report carries the verdict built from those observations.

Standard library only: the run host and every worker import this, under any interpreter.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any


def gil_enabled_now() -> bool:
    """Whether the GIL is on in this process right now (always, before 3.13)."""
    check: Callable[[], bool] | None = getattr(sys, "_is_gil_enabled", None)
    return True if check is None else bool(check())


def free_threaded_build(config_var: Any = None) -> bool:
    """Whether this interpreter was built with ``--disable-gil`` (``Py_GIL_DISABLED == 1``)."""
    if config_var is None:
        import sysconfig  # here: workers import this module, and only the host asks this

        config_var = sysconfig.get_config_var("Py_GIL_DISABLED")
    value = config_var
    try:
        return int(value) == 1
    except (TypeError, ValueError):
        return False


class GilObservations:
    """What the workers of the current run said about the GIL: ``(pid, thread) -> enabled``.

    Thread-safe; one per process, cleared when a run starts (runs never overlap in one host).
    A worker seen both with and without the GIL counts as "with": it was on at some point.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[int, str], bool] = {}

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()

    def note(self, pid: int, thread: str, enabled: bool | None) -> None:
        if enabled is None:
            return
        with self._lock:
            key = (pid, thread)
            self._seen[key] = self._seen.get(key, False) or bool(enabled)

    def note_many(self, seen: Iterable[tuple[int, str, bool]]) -> None:
        for pid, thread, enabled in seen:
            self.note(pid, thread, enabled)

    def items(self) -> list[tuple[int, str, bool]]:
        with self._lock:
            return [(pid, thread, on) for (pid, thread), on in self._seen.items()]


OBSERVED = GilObservations()


def verdict(
    free_threaded: bool, enabled_in_host: bool, seen: Iterable[tuple[int, str, bool]]
) -> dict[str, Any]:
    """The run's GIL verdict as report data (docs/report-format.md, ``environment.gil``).

    ``off_during_tasks``: True when every worker that reported said the GIL was off, False when
    any said it was on, None when no worker reported (a run that ran no task).
    """
    observed = list(seen)
    with_gil = sorted({pid for pid, _thread, on in observed if on})
    checked = len(observed)
    off: bool | None = None if not checked else not with_gil
    return {
        "free_threaded_build": free_threaded,
        "enabled_in_host": enabled_in_host,
        "workers_checked": checked,
        "workers_with_gil": sum(1 for *_rest, on in observed if on),
        "pids_with_gil": with_gil,
        "off_during_tasks": off,
        "summary": summary(free_threaded, off, enabled_in_host),
    }


def summary(free_threaded: bool, off_during_tasks: bool | None, enabled_in_host: bool) -> str:
    """The verdict in a few words, for the status bar, the CLI and the timeline header."""
    if not free_threaded:
        return "GIL on (standard build)"
    if off_during_tasks is None:
        state = "off" if not enabled_in_host else "on"
        return f"free-threaded build, GIL {state} (no task ran to check)"
    if off_during_tasks:
        return "GIL off while tasks ran (free-threaded build)"
    return "GIL re-enabled while tasks ran (free-threaded build; an import or PYTHON_GIL=1)"


def run_verdict() -> dict[str, Any]:
    """This process's verdict for the run that just ended, from ``OBSERVED``."""
    return verdict(free_threaded_build(), gil_enabled_now(), OBSERVED.items())
