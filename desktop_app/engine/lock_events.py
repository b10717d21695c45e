"""Who waited for a lock and who held it, and which updates a race lost: recorded, not guessed.

The lessons that use locks and other sync tools wrap each primitive in a traced one
(:meth:`LockRecorder.lock`): every acquire's REQUEST, ACQUISITION and RELEASE is stamped with
``time.perf_counter()`` (the run's clock) by the thread that made it. Recording is an append
to a list and a dict look-up per call, no I/O, so the lesson runs as it would untraced (the
race windows it shows are the same).

A shared counter wrapped by :meth:`LockRecorder.counter` (a one-item list) or the
:class:`TrackedValue` descriptor (an attribute) notes which write each read saw; an update is
lost when no later write descends from it (the final value's line of descent skips it), so
the marks add up to exactly ``expected - actual``. Only the bookkeeping of one read or one
write is serialised; the race window between a read and its write is left alone.

Qt-free: the run host and the CLI record, the window only draws.
"""

from __future__ import annotations

import math
import os
import queue
import threading
import time
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# A measurement keeps at most this many holds (a flat-out consumer spins on an empty list and
# takes the lock hundreds of thousands of times); the rest are counted in ``dropped``.
HOLD_LIMIT = 50_000
GAVE_UP = math.nan  # ``acquired`` of an acquire that timed out or was refused


@dataclass(frozen=True, slots=True)
class LockHold:
    """One acquire: requested, acquired (``GAVE_UP``: it never was) and released, on
    ``perf_counter``; a Condition's or an Event's wait counts as waiting, a Queue's get too."""

    lock: str
    thread: str
    pid: int
    requested: float
    acquired: float
    released: float

    @property
    def waited(self) -> float:
        end = self.released if math.isnan(self.acquired) else self.acquired
        return max(0.0, end - self.requested)

    @property
    def held(self) -> float:
        return 0.0 if math.isnan(self.acquired) else max(0.0, self.released - self.acquired)


@dataclass(frozen=True, slots=True)
class LostUpdate:
    """An update (read at ``read``, written at ``write``) that a later write, based on an
    older read, overwrote: ``lost`` increments gone (1 per update)."""

    thread: str
    pid: int
    read: float
    write: float
    lost: int


@dataclass(frozen=True)
class LockLog:
    """What one measurement's locks and counters recorded (docs/report-format.md, ``locks``).

    Column-wise, as spans are (records.SpanTable): 40,000 holds as objects took 94 ms to
    unpickle in the window (tests/benchmarks/lock_trace_overhead.py); as arrays they cross
    from the run host in one copy. ``holds`` and ``lost_updates`` make the records on demand.
    """

    workers: tuple[tuple[int, str], ...] = ()  # (pid, thread) by index
    locks: tuple[str, ...] = ()  # lock names by index
    hold_worker: array = field(default_factory=lambda: array("H"))
    hold_lock: array = field(default_factory=lambda: array("H"))
    requested: array = field(default_factory=lambda: array("d"))
    acquired: array = field(default_factory=lambda: array("d"))  # GAVE_UP: never acquired
    released: array = field(default_factory=lambda: array("d"))
    lost_worker: array = field(default_factory=lambda: array("H"))
    lost_read: array = field(default_factory=lambda: array("d"))
    lost_write: array = field(default_factory=lambda: array("d"))
    dropped: int = 0  # holds past HOLD_LIMIT, not kept

    @classmethod
    def build(
        cls, holds: Iterable[LockHold], lost: Iterable[LostUpdate] = (), dropped: int = 0
    ) -> LockLog:
        workers: dict[tuple[int, str], int] = {}
        locks: dict[str, int] = {}
        columns: dict[str, array] = {name: array("H") for name in ("hw", "hl", "lw")}
        times: dict[str, array] = {name: array("d") for name in ("rq", "aq", "rl", "rd", "wr")}
        for hold in holds:
            columns["hw"].append(workers.setdefault((hold.pid, hold.thread), len(workers)))
            columns["hl"].append(locks.setdefault(hold.lock, len(locks)))
            times["rq"].append(hold.requested)
            times["aq"].append(hold.acquired)
            times["rl"].append(hold.released)
        for update in lost:
            columns["lw"].append(workers.setdefault((update.pid, update.thread), len(workers)))
            times["rd"].append(update.read)
            times["wr"].append(update.write)
        return cls(
            tuple(workers),
            tuple(locks),
            columns["hw"],
            columns["hl"],
            times["rq"],
            times["aq"],
            times["rl"],
            columns["lw"],
            times["rd"],
            times["wr"],
            dropped,
        )

    @property
    def holds(self) -> tuple[LockHold, ...]:
        return tuple(
            LockHold(self.locks[lock], self.workers[worker][1], self.workers[worker][0], *times)
            for worker, lock, *times in zip(
                self.hold_worker,
                self.hold_lock,
                self.requested,
                self.acquired,
                self.released,
                strict=True,
            )
        )

    @property
    def lost_updates(self) -> tuple[LostUpdate, ...]:
        return tuple(
            LostUpdate(self.workers[worker][1], self.workers[worker][0], read, write, 1)
            for worker, read, write in zip(
                self.lost_worker, self.lost_read, self.lost_write, strict=True
            )
        )

    def __bool__(self) -> bool:
        return bool(len(self.requested) or len(self.lost_write) or self.dropped)


class LockRecorder:
    """Collects holds and lost updates from any thread; :meth:`log` hands them over."""

    def __init__(self, limit: int = HOLD_LIMIT) -> None:
        self._holds: list[LockHold] = []
        self._open: dict[tuple[int, int], list[tuple[float, float]]] = {}
        self._reads: dict[int, tuple[float, int]] = {}  # thread: (when, the write it saw)
        self._writes: list[tuple[int, str, float, float]] = []  # (read from, thread, read, write)
        self._last_write = -1  # the write the counter holds now (-1: its initial value)
        self._book = threading.Lock()  # serialises a tracked write's bookkeeping
        self._limit = limit
        self.dropped = 0
        self._pid = os.getpid()

    def lock(self, primitive: Any, name: str) -> TracedLock:
        """``primitive`` (Lock, RLock, Semaphore…) traced under ``name``."""
        return TracedLock(primitive, name, self)

    def condition(self, name: str) -> threading.Condition:
        """A Condition whose lock is traced: ``wait()`` shows as waiting until re-acquired."""
        return threading.Condition(self.lock(threading.Lock(), name))  # type: ignore[arg-type]

    def event(self, name: str) -> threading.Event:
        """An Event whose ``wait()`` shows as waiting until set (its Condition traced)."""
        event = threading.Event()
        event._cond = self.condition(name)  # type: ignore[attr-defined]  # CPython's own slot
        return event

    def queue(self, name: str) -> queue.Queue:
        """A ``queue.Queue`` whose own lock is traced: a get on an empty queue waits."""
        items: queue.Queue = queue.Queue()
        items.mutex = self.lock(threading.Lock(), name)  # type: ignore[assignment]
        for attr in ("not_empty", "not_full", "all_tasks_done"):
            setattr(items, attr, threading.Condition(items.mutex))
        return items

    def counter(self) -> TrackedList:
        """A one-item list ``[0]`` whose reads and writes of item 0 are tracked."""
        return TrackedList(self)

    def log(self) -> LockLog:
        return LockLog.build(self._holds, self._lost_updates(), self.dropped)

    # --- called by the traced primitives ----------------------------------------------------

    def opened(self, key: int, requested: float, acquired: float) -> None:
        self._open.setdefault((key, threading.get_ident()), []).append((requested, acquired))

    def closed(self, key: int, name: str, released: float) -> None:
        stack = self._open.get((key, threading.get_ident()))
        if stack:  # a Semaphore released by a thread that never took it has nothing to close
            requested, acquired = stack.pop()
            self.add(name, requested, acquired, released)

    def add(self, name: str, requested: float, acquired: float, released: float) -> None:
        if len(self._holds) >= self._limit:
            self.dropped += 1
            return
        thread = threading.current_thread().name
        self._holds.append(LockHold(name, thread, self._pid, requested, acquired, released))

    def read(self) -> None:
        """This thread just read the counter (call holding ``_book``): note which write it saw."""
        self._reads[threading.get_ident()] = (time.perf_counter(), self._last_write)

    def wrote(self) -> None:
        """This thread just wrote the counter (call holding ``_book``), based on its last read."""
        read_at, parent = self._reads.pop(threading.get_ident(), (math.nan, self._last_write))
        self._writes.append((parent, threading.current_thread().name, read_at, time.perf_counter()))
        self._last_write = len(self._writes) - 1

    def _lost_updates(self) -> tuple[LostUpdate, ...]:
        """The writes not in the final value's line of descent (each read from the write
        before it): their increments were overwritten. As many as ``expected - actual``."""
        kept = set()
        index = self._last_write
        while index >= 0:
            kept.add(index)
            index = self._writes[index][0]
        return tuple(
            LostUpdate(thread, self._pid, read_at, write_at, 1)
            for index, (_, thread, read_at, write_at) in enumerate(self._writes)
            if index not in kept
        )


class TracedLock:
    """A Lock, RLock or Semaphore that records its acquires. A Condition can wrap one over a
    plain Lock (``LockRecorder.condition``): the hooks below assume one level of holding."""

    def __init__(self, inner: Any, name: str, recorder: LockRecorder) -> None:
        self._inner, self.name, self._recorder = inner, name, recorder
        self._key = id(self)
        self._owners: set[int] = set()
        self._waiting_since: dict[int, float] = {}

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        requested = time.perf_counter()
        # A Semaphore's "no timeout" is None, a Lock's -1: pass one only when given.
        ok = (
            self._inner.acquire(blocking, timeout)
            if timeout >= 0
            else self._inner.acquire(blocking)
        )
        now = time.perf_counter()
        if ok:
            self._owners.add(threading.get_ident())
            self._recorder.opened(self._key, requested, now)
        else:
            self._recorder.add(self.name, requested, GAVE_UP, now)
        return bool(ok)

    def release(self) -> None:
        # Stamped while still held, as the acquisition is stamped once held: a recorded hold
        # lies inside the real one, so two recorded holds overlap only if the real ones did.
        released = time.perf_counter()
        self._owners.discard(threading.get_ident())
        self._inner.release()
        self._recorder.closed(self._key, self.name, released)

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()

    # Condition's hooks: its wait() releases the lock and waits; that is waiting, not holding.
    def _release_save(self) -> Any:
        self._waiting_since[threading.get_ident()] = time.perf_counter()
        self.release()

    def _acquire_restore(self, _state: Any) -> None:
        self._inner.acquire()
        now = time.perf_counter()
        self._owners.add(threading.get_ident())
        since = self._waiting_since.pop(threading.get_ident(), now)
        self._recorder.opened(self._key, since, now)

    def _is_owned(self) -> bool:
        return threading.get_ident() in self._owners


class TrackedList(list):
    """``[0]`` whose item 0's reads and writes go to a recorder (lost updates)."""

    def __init__(self, recorder: LockRecorder) -> None:
        super().__init__([0])
        self._recorder = recorder

    def __getitem__(self, index: Any) -> Any:
        with self._recorder._book:
            self._recorder.read()
            return list.__getitem__(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        with self._recorder._book:
            list.__setitem__(self, index, value)
            self._recorder.wrote()


class TrackedValue:
    """A descriptor for an int attribute whose reads and writes go to the owner's
    ``update_recorder`` (None: untracked)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = "_tracked_" + name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        recorder = obj.__dict__.get("update_recorder")
        if recorder is None:
            return obj.__dict__.get(self._name, 0)
        with recorder._book:
            recorder.read()
            return obj.__dict__.get(self._name, 0)

    def __set__(self, obj: Any, value: Any) -> None:
        recorder = obj.__dict__.get("update_recorder")
        if recorder is None:
            obj.__dict__[self._name] = value
            return
        with recorder._book:
            obj.__dict__[self._name] = value
            recorder.wrote()


def max_holders(holds: tuple[LockHold, ...] | list[LockHold], lock: str) -> int:
    """The most holds of ``lock`` open at one moment (a Semaphore(2): at most 2)."""
    edges = sorted(
        (t, step)
        for hold in holds
        if hold.lock == lock and not math.isnan(hold.acquired)
        for t, step in ((hold.acquired, 1), (hold.released, -1))
    )
    most = current = 0
    for _, step in edges:  # a release sorts before an acquire at the same instant
        current += step
        most = max(most, current)
    return most


def summary_lines(log: LockLog) -> list[str]:
    """One line per traced lock for the run's notes (the CLI prints them): how many acquires,
    the median and longest wait and hold, the most holders at once."""
    holds = log.holds
    lines = []
    for lock in sorted({hold.lock for hold in holds}):
        mine = [hold for hold in holds if hold.lock == lock]
        waits = sorted(hold.waited for hold in mine)
        held = sorted(hold.held for hold in mine if not math.isnan(hold.acquired))
        gave_up = len(mine) - len(held)
        lines.append(
            f"{lock}: {len(mine):,} acquire(s); waited median {_ms(waits)} (longest "
            f"{_ms(waits[-1:])}), held median {_ms(held)} (longest {_ms(held[-1:])}); "
            f"at most {max_holders(mine, lock)} holder(s) at once"
            + (f"; {gave_up} gave up" if gave_up else "")
            + (f" ({log.dropped:,} more not kept)" if log.dropped else "")
        )
    return lines


def _ms(values: list[float]) -> str:
    """The middle of sorted ``values`` in milliseconds, three figures ('-' when none)."""
    return f"{values[len(values) // 2] * 1e3:.3g} ms" if values else "-"
