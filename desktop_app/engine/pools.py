"""Warm pools: executors kept alive between runs, within a budget of idle workers.

A sweep over sizes 2, 4, 8 with repeats starts each pool once; the next run at the same sizes
starts none. Past ``max_workers`` idle workers the least recently used pool is shut down.

A warm pool is checked before it is handed out: one that lost a worker while idle (or whose
forkserver died) is rebuilt quietly, and the loss is noted (``on_notice``) rather than blamed on
the run that finds it. The run's cancel token (``watch``) reaches a pool that is starting, so a
cancel or a quit does not wait for 64 workers to finish importing.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from .cancel import CancelToken
from .executors import Executor, effective_size, make_executor
from .executors.worker_health import forkserver_record
from .records import ErrorRecord

log = logging.getLogger(__name__)

Notice = Callable[[str, ErrorRecord | None], None]


class PoolManager:
    """Hands out executors by (kind, size), reusing warm ones; thread-safe."""

    def __init__(
        self, nice: int = 0, max_workers: int = 24, on_notice: Notice | None = None
    ) -> None:
        self._nice = nice
        self._max_workers = max_workers
        self._pools: OrderedDict[tuple[str, int], Executor] = OrderedDict()
        self._lock = threading.Lock()
        self._cancel: CancelToken | None = None
        self._on_notice = on_notice
        self.notices: list[str] = []  # every loss found in a warm pool, oldest first

    def watch(self, cancel: CancelToken | None) -> None:
        """Let pools that start from now on give up when ``cancel`` is cancelled."""
        self._cancel = cancel

    def _interrupted(self) -> bool:
        cancel = self._cancel
        return cancel is not None and cancel.cancelled

    def get(self, kind: str, pool_size: int) -> Executor:
        key = (kind, effective_size(kind, pool_size))
        with self._lock:
            executor = self._pools.pop(key, None)
            if executor is not None and not self._whole(executor):
                executor = None
            if executor is None:
                executor = make_executor(kind, key[1], nice=self._nice)
            if hasattr(executor, "interrupted"):
                executor.interrupted = self._interrupted
            self._pools[key] = executor
            evicted = self._evict(keep=key)
        for old in evicted:
            old.shutdown()
        return executor

    def _whole(self, executor: Executor) -> bool:
        """Whether a warm pool is fit to reuse; one that lost workers is shut down (its
        survivors with it) and the loss noted."""
        check = getattr(executor, "idle_loss", None)
        loss = check() if check is not None and executor.warm else None
        if not loss:
            return True
        executor.broken = True  # shut down as a broken pool: kill, do not wait on the dead
        executor.shutdown()
        record = None
        if loss.forkserver or loss.orphans:
            record = forkserver_record(loss, executor.origin, "a warm pool, between runs")
            note = record.message + "."
        else:
            pids = ", ".join(str(p.pid) for p in loss.dead)
            note = (
                f"The warm {executor.kind} × {executor.pool_size} pool had lost worker(s) "
                f"(pid {pids}) while idle; it was rebuilt before this run."
            )
        log.info(note)
        self.notices.append(note)
        if self._on_notice is not None:
            self._on_notice(note, record)
        return False

    def _evict(self, keep: tuple[str, int]) -> list[Executor]:
        evicted = []
        while sum(e.pool_size for e in self._pools.values()) > self._max_workers:
            candidates = [key for key in self._pools if key != keep]
            if not candidates:
                break
            evicted.append(self._pools.pop(candidates[0]))
        return evicted

    def describe(self) -> list[tuple[str, int, bool]]:
        """(kind, size, warm) of every pool held, most recently used last."""
        with self._lock:
            return [(kind, size, e.warm) for (kind, size), e in self._pools.items()]

    def shutdown(self, *, abort: bool = False) -> None:
        """Stop every pool; afterwards no worker of ours runs.

        ``abort`` when a run may still be using them (a cancelled CLI run that did not wind
        down in time): each is stopped as after a dead worker, never waiting on work in flight.
        A ``Pool`` closed politely under a live dispatch hung in ``terminate`` for good.
        """
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for executor in pools:
            if abort:
                executor._abort()
            else:
                executor.shutdown()


def stop_process_helpers() -> bool:
    """Stop the forkserver and the resource tracker, the last children a run leaves.

    Both are started lazily by multiprocessing and kept for the life of the process; at quit
    they would otherwise outlive the window by a moment. But the tracker unlinks every
    semaphore still registered when it stops, and a live one's finalizer then prints a
    traceback at exit (seen after a cancelled run whose executors sat in reference cycles).
    So collect first, and if semaphores survive, leave the helpers to end with this process
    (they exit as soon as its pipes close). Returns whether they were stopped.
    """
    from multiprocessing import forkserver, resource_tracker

    gc.collect()
    if _semaphores_alive():
        return False
    for helper in (
        getattr(forkserver, "_forkserver", None),
        getattr(resource_tracker, "_resource_tracker", None),
    ):
        stop = getattr(helper, "_stop", None)
        if stop is not None:
            try:
                stop()
            except Exception:  # already gone or never started
                pass
    return True


def _semaphores_alive() -> bool:
    """Whether a multiprocessing semaphore of ours still awaits its cleanup at exit."""
    from multiprocessing import synchronize, util

    cleanup = getattr(synchronize.SemLock, "_cleanup", None)
    registry = getattr(util, "_finalizer_registry", {})
    return any(getattr(f, "_callback", None) is cleanup for f in list(registry.values()))
