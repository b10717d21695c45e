"""The few psutil calls the engine makes, answered from Linux's ``/proc`` with the standard
library alone.

Why: the run host can run under another Python found on the machine (engine/pythons.py),
which has only its standard library; psutil is an optional dependency there. The engine asks
for psutil through ``process_info.psutil``, which is the real psutil where it imports and this
module where it does not. Only what the engine uses is here (a process's children, status,
parent, kill, mapped /dev/shm files; the user's thread count; waiting for the killed), with
psutil's names, so call sites read the same. Where ``/proc`` does not exist (macOS without
psutil) every call raises :class:`Error`, which the callers already treat as "cannot tell".
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

PROC = "/proc"
STATUS_ZOMBIE = "zombie"
STATUS_STOPPED = "stopped"
STATUS_RUNNING = "running"
# /proc/PID/stat's state letter -> psutil's status name (the ones the engine compares)
_STATES = {"Z": STATUS_ZOMBIE, "T": STATUS_STOPPED, "t": STATUS_STOPPED, "X": "dead"}


class Error(Exception):
    """Base of this module's errors, as ``psutil.Error``."""


class NoSuchProcess(Error):
    """The process is gone (or ``/proc`` does not exist)."""


class AccessDenied(Error):
    """The process exists but may not be read."""


class Uids(NamedTuple):
    real: int
    effective: int
    saved: int


class MappedFile(NamedTuple):
    path: str


def _read(pid: int, name: str) -> str:
    try:
        with open(f"{PROC}/{pid}/{name}", encoding="utf-8", errors="replace") as file:
            return file.read()
    except (FileNotFoundError, ProcessLookupError):
        raise NoSuchProcess(pid) from None
    except PermissionError:
        raise AccessDenied(pid) from None
    except OSError as exc:
        raise Error(f"pid {pid}: {exc}") from None


def _stat_fields(pid: int) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the command name (which may hold spaces)."""
    text = _read(pid, "stat")
    return text[text.rindex(")") + 2 :].split()


def _pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir(PROC) if name.isdigit()]
    except OSError as exc:
        raise Error(f"cannot list processes ({exc})") from None


class Process:
    """A process by pid (default: this one), with psutil's method names."""

    def __init__(self, pid: int | None = None) -> None:
        self.pid = os.getpid() if pid is None else int(pid)
        _stat_fields(self.pid)  # raises NoSuchProcess now, as psutil does
        self.info: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"procfs.Process(pid={self.pid})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Process) and other.pid == self.pid

    def __hash__(self) -> int:
        return hash(self.pid)

    def status(self) -> str:
        return _STATES.get(_stat_fields(self.pid)[0], STATUS_RUNNING)

    def ppid(self) -> int:
        return int(_stat_fields(self.pid)[1])

    def children(self, recursive: bool = False) -> list[Process]:
        parents: dict[int, list[int]] = {}
        for pid in _pids():
            try:
                parents.setdefault(int(_stat_fields(pid)[1]), []).append(pid)
            except Error:
                continue  # ended while we looked
        found, todo = [], [self.pid]
        while todo:
            for child in parents.get(todo.pop(), ()):
                found.append(child)
                if recursive:
                    todo.append(child)
        return list(_existing(found))

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            raise NoSuchProcess(self.pid) from None
        except PermissionError:
            raise AccessDenied(self.pid) from None

    def memory_maps(self) -> list[MappedFile]:
        out = []
        for line in _read(self.pid, "maps").splitlines():
            parts = line.split(maxsplit=5)
            if len(parts) == 6:
                out.append(MappedFile(parts[5]))
        return out

    def uids(self) -> Uids:
        return Uids(*(int(x) for x in self._status_line("Uid:").split()[:3]))

    def num_threads(self) -> int:
        return int(self._status_line("Threads:"))

    def _status_line(self, key: str) -> str:
        for line in _read(self.pid, "status").splitlines():
            if line.startswith(key):
                return line[len(key) :].strip()
        raise Error(f"pid {self.pid}: no {key} in its status")


def _existing(pids: Iterable[int]) -> Iterator[Process]:
    for pid in pids:
        try:
            yield Process(pid)
        except Error:
            continue


def process_iter(attrs: Sequence[str] = ()) -> Iterator[Process]:
    """Every process, with ``info`` holding ``attrs`` (None where it could not be read)."""
    for process in _existing(_pids()):
        for name in attrs:
            try:
                process.info[name] = getattr(process, name)()
            except Error:
                process.info[name] = None
        yield process


def wait_procs(
    processes: Sequence[Process], timeout: float | None = None
) -> tuple[list[Process], list[Process]]:
    """Wait until ``processes`` are gone (our children reaped); (gone, alive)."""
    deadline = time.monotonic() + (timeout or 0.0)
    alive = list(processes)
    gone: list[Process] = []
    while True:
        for process in list(alive):
            if _ended(process.pid):
                alive.remove(process)
                gone.append(process)
        if not alive or time.monotonic() >= deadline:
            return gone, alive
        time.sleep(0.01)


def _ended(pid: int) -> bool:
    """Whether ``pid`` is gone; reaps it when it is our own child."""
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return True
    except ChildProcessError:  # not our child: look at it instead
        pass
    except OSError:
        return True
    try:
        return _STATES.get(_stat_fields(pid)[0]) in (STATUS_ZOMBIE, "dead")
    except Error:
        return True
