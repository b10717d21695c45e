"""Is a warm pool still whole? Dead workers and a dead forkserver, told apart and cleaned up.

A pool kept warm between runs can lose a worker while idle (the OOM killer, a user's
``kill``): reused as it is, the next run failed with ``BrokenProcessPool`` or was blamed for a
``WorkerDied`` that happened before it began. And when multiprocessing's forkserver dies, its
workers' sentinels (pipes the forkserver held) close although the workers live on: they read
as dead with exit code 255 and, re-parented outside the app, were never stopped. This module
says which of those happened, kills the cut-off workers and resets the forkserver, so the pool
manager can rebuild quietly and report one accurate record.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Loss:
    """What was found wrong with a pool's workers."""

    dead: list[Any] = field(default_factory=list)  # Process objects whose sentinel fired
    orphans: list[int] = field(default_factory=list)  # pids alive but cut off (forkserver gone)
    forkserver: str = ""  # "pid N, killed by SIGKILL" when the forkserver was found dead

    def __bool__(self) -> bool:
        return bool(self.dead or self.orphans or self.forkserver)


def orphaned(processes: Sequence[Any]) -> list[int]:
    """Pids of ``processes`` that still run although their sentinel says they exited: a
    forkserver's workers after the forkserver died."""
    from ..process_info import psutil

    out = []
    for process in processes:
        try:
            if psutil.Process(process.pid).status() != psutil.STATUS_ZOMBIE:
                out.append(process.pid)
        except psutil.Error:
            pass
    return out


def gone(processes: Sequence[Any]) -> list[Any]:
    """Those of ``processes`` that no longer run (or are zombies), whatever their sentinel
    says yet: a forkserver writes a worker's status to the sentinel only after reaping it."""
    from ..process_info import psutil

    out = []
    for process in processes:
        try:
            if psutil.Process(process.pid).status() == psutil.STATUS_ZOMBIE:
                out.append(process)
        except psutil.NoSuchProcess:
            out.append(process)
        except psutil.Error:
            pass
    return out


def idle_dead(processes: Sequence[Any]) -> list[Any]:
    """The workers of an idle pool that are dead or cut off: sentinel fired, or pid gone."""
    from .processes import dead_processes

    dead = dead_processes(processes)
    return dead + [p for p in gone(processes) if p not in dead]


def kill_pids(pids: Sequence[int], timeout: float = 1.0) -> None:
    """SIGKILL processes that are no longer our children (waited for with psutil)."""
    from ..process_info import psutil

    victims = []
    for pid in pids:
        try:
            victim = psutil.Process(pid)
            victim.kill()
            victims.append(victim)
        except psutil.Error:
            pass
    psutil.wait_procs(victims, timeout=timeout)


_known_forkserver: int | None = None  # the forkserver our pools were last started from


def note_forkserver() -> None:
    """Remember the forkserver a pool has just started from (called after each start)."""
    global _known_forkserver
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    if pid is not None:
        _known_forkserver = pid


def forkserver_death() -> str:
    """If multiprocessing's forkserver of this process has died: reap it, reset the state so
    the next pool starts a fresh one, and say what happened; else "".

    ``ForkServer.ensure_running`` does the same reset lazily, but only when the next process
    starts, and it cannot say the server had died (nor that its workers were cut off). When it
    got there first (``Pool`` replacing a worker), the pid we knew is reported without status.
    """
    global _known_forkserver
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    if server is None:
        return ""
    known = _known_forkserver
    with server._lock:
        pid = server._forkserver_pid
        if pid is None:
            return f"pid {known}" if known is not None else ""
        try:
            reaped, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            reaped, status = pid, 0
        if not reaped:  # alive; a new one if another thread already replaced ours
            _known_forkserver = pid
            return f"pid {known}" if known not in (None, pid) else ""
        os.close(server._forkserver_alive_fd)
        server._forkserver_address = None
        server._forkserver_alive_fd = None
        server._forkserver_pid = None
    return f"pid {pid}, {_status_text(status)}"


def _status_text(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return f"killed by signal {signal.Signals(number).name}"
        except ValueError:
            return f"killed by signal {number}"
    return f"exit code {os.WEXITSTATUS(status)}"


def inspect_loss(dead: Sequence[Any]) -> Loss:
    """Classify the processes whose sentinel fired: truly dead, or orphans of a dead
    forkserver (killed here). Reads no exit code (see processes.py for why)."""
    loss = Loss()
    if not dead:
        return loss
    loss.forkserver = forkserver_death()
    orphans = orphaned(dead)
    if orphans:
        kill_pids(orphans)
    loss.orphans = orphans
    loss.dead = [p for p in dead if p.pid not in orphans]
    return loss


def forkserver_record(loss: Loss, origin: str, context: str) -> Any:
    """The one record for a dead forkserver (instead of a false WorkerDied per worker)."""
    from ..records import ErrorRecord

    what = f" ({loss.forkserver})" if loss.forkserver else ""
    cut = (
        f"its workers still running were cut off and killed (pid "
        f"{', '.join(str(pid) for pid in loss.orphans)})"
        if loss.orphans
        else "its workers ended with it"
    )
    return ErrorRecord(
        origin=origin,
        type="ForkserverDied",
        message=(
            f"multiprocessing's forkserver died{what}: {cut}; the pool is rebuilt on a fresh "
            "forkserver"
        ),
        traceback="",
        worker="forkserver",
        context=context,
    )
