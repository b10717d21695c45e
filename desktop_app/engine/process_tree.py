"""The last line of defence against leftover processes: kill a process tree with psutil.

Under forkserver a pool's workers are not our children but the server's, and the run host's
workers are its own: only a walk of the whole tree finds them all.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterable

SHM = "/dev/shm/"


def kill_tree(
    pid: int | None = None,
    *,
    include_root: bool = False,
    keep: Collection[int] = (),
    timeout: float = 1.0,
    unlink_semaphores: bool = False,
) -> None:
    """SIGKILL every descendant of ``pid`` (default: this process) not in ``keep``, and ``pid``
    itself with ``include_root``; waits up to ``timeout`` for them to go.

    ``unlink_semaphores``: also remove the ``/dev/shm`` entries (multiprocessing's named
    semaphores) the killed processes had mapped. Their resource tracker, which would unlink
    them, dies with the tree; left alone they stay in /dev/shm until reboot. Only for a tree
    whose semaphores nobody else shares (the run host's).
    """
    from .process_info import psutil

    try:
        root = psutil.Process(pid)
        victims = [p for p in root.children(recursive=True) if p.pid not in keep]
    except psutil.Error:
        return
    if include_root:
        victims.append(root)
    shm = _shm_entries(victims) if unlink_semaphores else set()
    for victim in victims:
        try:
            victim.kill()
        except psutil.Error:
            pass
    _wait_gone(victims, timeout)
    for path in shm:
        _release(path)


def _wait_gone(victims: list, timeout: float) -> None:
    """Wait for the killed: our own children are reaped (psutil waits on them); the others
    count as gone once they are zombies, which their new parent may reap late or never (a
    container's init): waiting on those cost the full timeout every time."""
    from .process_info import psutil

    ours = [v for v in victims if _ppid(v) == os.getpid()]
    others = [v for v in victims if v not in ours]
    deadline = time.monotonic() + timeout
    psutil.wait_procs(ours, timeout=timeout)
    while others and time.monotonic() < deadline:
        others = [v for v in others if _running(v)]
        if others:
            time.sleep(0.01)


def _ppid(process) -> int | None:
    from .process_info import psutil

    try:
        return process.ppid()
    except psutil.Error:
        return None


def _running(process) -> bool:
    from .process_info import psutil

    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _release(path: str) -> None:
    """Unlink a dead tree's /dev/shm entry, and tell the resource tracker it is gone.

    A spawned child (the run host) registers its semaphores with its parent's tracker; left
    registered, the tracker "cleans up" at exit with a leaked-semaphore warning on stderr.
    """
    base = os.path.basename(path)
    rtype, name = ("semaphore", "/" + base[4:]) if base.startswith("sem.") else ("", "/" + base)
    try:
        os.unlink(path)
    except OSError:  # already unlinked by its owner
        return
    if rtype == "semaphore":
        from multiprocessing import resource_tracker

        tracker = getattr(resource_tracker, "_resource_tracker", None)
        if tracker is not None and getattr(tracker, "_fd", None) is not None:
            try:
                resource_tracker.unregister(name, rtype)
            except Exception:  # the tracker is gone: nothing left to warn at exit
                pass


def _shm_entries(processes: Iterable) -> set[str]:
    """The /dev/shm files mapped by ``processes`` (read before they die: after, it is gone)."""
    from .process_info import psutil

    found: set[str] = set()
    for process in processes:
        try:
            found.update(m.path for m in process.memory_maps() if m.path.startswith(SHM))
        except (psutil.Error, OSError, NotImplementedError):
            pass
    return {path.removesuffix(" (deleted)") for path in found if not path.endswith("(deleted)")}
