"""When the operating system refuses a pool its threads, processes or files.

``ulimit -u`` (threads and processes per user) and ``ulimit -n`` (open files) are reached long
before 64 workers on a locked-down account. The raw symptoms are poor: ``can't start new
thread`` with half the threads left running, or ``Too many open files`` raised inside the
forkserver, which then dies printing a traceback and leaves every later pool start failing.
So a pool's start is checked against the limits first where that is cheap and certain (open
files; tasks per user when the limit is small), and a refusal that still happens is turned
into one :class:`PoolStartError` whose record names the limit and its value.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import TYPE_CHECKING

from ..records import ErrorRecord

if TYPE_CHECKING:
    from .base import Executor

# How many open files a pool start needs besides its workers' own (the forkserver, the resource
# tracker, the board's semaphores, the pipes of one connection in flight), measured at 6-12.
FILES_HEADROOM = 16
# Scanning every process of the user to count its tasks costs a few ms; a per-user limit this
# large is never what a pool of at most 64 workers runs into first, so it is not scanned.
TASK_SCAN_BELOW = 4096


class PoolStartError(RuntimeError):
    """A pool could not start because the system refused a resource; ``record`` says which."""

    def __init__(self, record: ErrorRecord) -> None:
        super().__init__(record.message)
        self.record = record


def _limit(name: str) -> int | None:
    """The soft limit ``RLIMIT_<name>``, or None when unlimited or unknown (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    soft, _hard = resource.getrlimit(getattr(resource, f"RLIMIT_{name}"))
    return None if soft == resource.RLIM_INFINITY else int(soft)


def _open_files() -> int:
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(folder))
        except OSError:
            continue
    return 0


def _user_tasks() -> int:
    """Threads of every process of this user (what ``RLIMIT_NPROC`` counts, on Linux)."""
    from ..process_info import psutil

    uid, total = os.getuid(), 0
    for process in psutil.process_iter(["uids", "num_threads"]):
        info = process.info
        if info.get("uids") is not None and info["uids"].real == uid:
            total += info.get("num_threads") or 1
    return total


def _record(message: str, origin: str, context: str) -> ErrorRecord:
    return ErrorRecord(
        origin=origin, type="PoolStartError", message=message, traceback="", context=context
    )


def check_room(executor: Executor) -> None:
    """Refuse a pool start the system limits cannot hold, before anything is started."""
    size, origin, context = executor.pool_size, executor.origin, executor.context
    what = f"a pool of {size} ({executor.kind})"
    per_file = executor.files_per_worker
    files = _limit("NOFILE")
    if per_file and files is not None:
        needed = per_file * size + FILES_HEADROOM
        free = files - _open_files()
        if needed > free:
            fits = max(0, (free - FILES_HEADROOM) // per_file)
            raise PoolStartError(
                _record(
                    f"the system would refuse the open files {what} needs: about {needed} more, "
                    f"but the open-file limit (RLIMIT_NOFILE, ulimit -n) is {files} with "
                    f"{files - free} open; use a pool size of at most {fits} or raise the limit",
                    origin,
                    context,
                )
            )
    tasks = _limit("NPROC")
    per_task = executor.tasks_per_worker
    if tasks is None or tasks >= TASK_SCAN_BELOW or not hasattr(os, "getuid") or os.getuid() == 0:
        return  # root is exempt from RLIMIT_NPROC
    free = tasks - _user_tasks()
    if per_task * size > free:
        raise PoolStartError(
            _record(
                f"the system would refuse the threads and processes {what} needs: "
                f"{per_task * size}, but the per-user limit (RLIMIT_NPROC, ulimit -u) is {tasks} "
                f"with {tasks - free} in use; use a pool size of at most "
                f"{max(0, free // per_task)} or raise the limit",
                origin,
                context,
            )
        )


def describe_refusal(exc: BaseException, executor: Executor) -> PoolStartError | None:
    """A :class:`PoolStartError` for an exception that is the system refusing a resource."""
    origin, context = executor.origin, executor.context
    what = f"{executor.kind} pool of {executor.pool_size}"
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, RuntimeError) and "can't start new thread" in str(exc):
        message = (
            f"the system refused a new thread for the {what} ({text}): the per-user limit on "
            f"threads and processes (RLIMIT_NPROC, ulimit -u) is {_limit('NPROC') or 'unknown'}"
        )
    elif isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE):
        message = (
            f"the system refused to open more files for the {what} ({text}): the open-file "
            f"limit (RLIMIT_NOFILE, ulimit -n) is {_limit('NOFILE') or 'unknown'}"
        )
    elif isinstance(exc, OSError) and exc.errno in (errno.EAGAIN, errno.ENOMEM):
        message = (
            f"the system refused a new process for the {what} ({text}): the per-user limit on "
            f"threads and processes (RLIMIT_NPROC, ulimit -u) is {_limit('NPROC') or 'unknown'}"
        )
    else:
        return None
    if sys.platform == "win32":
        message = message.split(": the ")[0]  # no rlimits to name
    return PoolStartError(_record(message + "; the pool was released", origin, context))
