"""``pool``: a real ``multiprocessing.Pool``, the API the lessons teach, with the guards it lacks.

``Pool`` on its own hangs forever when a worker is killed (it quietly replaces the worker and
waits for a result that will never come) and when a job raises ``SystemExit`` or an exception
that will not unpickle. The guards: every job runs inside ``hops.run_hop_chunk`` (``run_chunk``), which
catches everything and sends strings; the original worker processes are watched through their
sentinels (``Pool._pool`` is private, and the only handle on them); and on a death, a cancel or
a timeout the pool is terminated from a side thread and any worker still alive is killed.

One more guard is for the app's own responsiveness: :class:`QuietPool`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from multiprocessing.pool import TERMINATE, Pool
from typing import Any

from .._worker import init_process_worker
from ..cancel import RunCancelled
from ..hops import submit_hop
from ..records import ErrorRecord
from .base import ACCEPTS_PICKLABLE, Executor
from .pipe_room import widen
from .processes import ProcessWorkers, dead_processes, kill_and_reap, never
from .worker_health import Loss, idle_dead, inspect_loss, note_forkserver

TERMINATE_GRACE_S = 0.3


class QuietPool(Pool):
    """``multiprocessing.Pool`` whose worker-handler thread sleeps while results flow.

    Since CPython 3.8 (bpo-35493) that thread also waits on the result queue's pipe, which
    stays readable until the result-handler thread has read every result: with many small
    chunks the handler spins, measured at 2.8 s of CPU in a 3.9 s run of 1,000 chunks, and
    starves the result handler and the GUI thread of the GIL. It only has to wake for a worker
    that exits (the workers' sentinels), and for close, terminate and an emptied job cache
    (the change notifier): those sentinels it keeps.
    """

    # Pool's private state, which typeshed leaves out: _repopulate_pool below drives it the way
    # Pool's own does. Annotations only, for the type checker; Pool sets them all.
    _pool: list[Any]
    _processes: int
    _ctx: Any
    _inqueue: Any
    _outqueue: Any
    _initializer: Callable[..., object] | None
    _initargs: Sequence[Any]
    _maxtasksperchild: int | None
    _wrap_exception: bool
    _repopulate_pool_static: Callable[..., None]

    def __init__(self, *args: Any, interrupted: Callable[[], bool] = never, **kwargs: Any):
        self._interrupted = interrupted
        super().__init__(*args, **kwargs)

    def _setup_queues(self) -> None:
        super()._setup_queues()  # type: ignore[misc]  # private, see above
        widen(self._inqueue._reader, self._outqueue._reader)  # results outgrow 64 KB (pipe_room)

    def _get_sentinels(self) -> list:
        return [self._change_notifier._reader]  # type: ignore[attr-defined]  # private, see above

    def _repopulate_pool(self) -> None:
        """Start the workers one by one, giving up on a cancel: 64 take seconds on a loaded
        machine, and ``Pool.__init__`` kills the ones started when this raises."""
        while len(self._pool) < self._processes:
            if self._interrupted():
                raise RunCancelled("run cancelled while its pool was starting")
            self._repopulate_pool_static(
                self._ctx,
                self.Process,
                len(self._pool) + 1,
                self._pool,
                self._inqueue,
                self._outqueue,
                self._initializer,
                self._initargs,
                self._maxtasksperchild,
                self._wrap_exception,
            )


class PoolExecutor(Executor):
    """``multiprocessing.Pool(pool_size)`` on the app's start method, watched for crashes."""

    kind = "pool"
    label = "a multiprocessing.Pool (one interpreter per worker)"
    origin = "pool"
    workers, accepts = "processes", ACCEPTS_PICKLABLE
    files_per_worker, tasks_per_worker = 2, 2  # sentinel + status pipe; main + parent-watch

    def __init__(self, pool_size: int, nice: int = 0) -> None:
        super().__init__(pool_size)
        self._nice = nice
        self._workers: ProcessWorkers | None = None
        self._pool: Any = None
        self._processes: list[Any] = []
        self.interrupted: Callable[[], bool] = never  # the pool manager's run's cancel

    def _start(self) -> None:
        workers = self._workers = ProcessWorkers(self.pool_size, self._nice)
        try:
            self._pool = QuietPool(
                self.pool_size,
                initializer=init_process_worker,
                initargs=workers.initargs,
                context=workers.ctx,
                interrupted=self.interrupted,
            )
        except BaseException:
            self._workers = None
            raise
        self._processes = list(self._pool._pool)
        try:
            workers.wait_ready(
                self.pool_size, lambda: not dead_processes(self._processes), self.interrupted
            )
            note_forkserver()
        except BaseException:
            self.broken = True
            self.shutdown()  # kill what started: a half-built pool is never kept
            raise

    def idle_loss(self) -> Loss:
        """Workers of this warm pool found dead (or cut off) before a run reuses it.

        ``Pool`` would replace a dead one itself, but only when its worker handler wakes
        (QuietPool's sleeps until a job) and with no word of the death."""
        if self._pool is None:
            return Loss()
        return inspect_loss(idle_dead(self._processes))

    def _submit(self, func: Callable[[Any], Any], first: int, items: Sequence[Any]) -> Future:
        return submit_hop(self._apply, func, first, items)

    def _apply(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        """``pool.apply_async(fn, args)`` as a ``concurrent.futures`` future."""
        future: Future = Future()
        future.set_running_or_notify_cancel()

        def _failed(exc: BaseException) -> None:
            if not future.done():
                future.set_exception(exc)

        def _succeeded(value: Any) -> None:
            if not future.done():
                future.set_result(value)

        self._pool.apply_async(fn, args, callback=_succeeded, error_callback=_failed)
        return future

    def _running(self):
        workers = self._workers
        return workers.running() if workers else ()

    def worker_pids(self) -> list[int]:
        return [p.pid for p in self._processes]

    def _dead_workers(self) -> list[ErrorRecord]:
        workers = self._workers
        dead = dead_processes(self._processes) if workers is not None else []
        if workers is None or not dead:
            return []
        # Stop the pool first: its worker-handler thread polls exit codes too, and two
        # readers race for a forkserver child's code (see processes.py). The others exit
        # through terminate(); only the ones found dead before it are reported.
        self._abort()
        return workers.death_records(dead, self.origin, self.context)

    def _abort(self) -> None:
        self.broken = True
        self.shutdown()

    def shutdown(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return  # idempotent: a death is handled by an abort, then the dispatch aborts again
        processes = list(self._processes) + list(getattr(pool, "_pool", []))
        if self.broken:
            # A worker killed while it waited for a job died holding the job queue's lock, and
            # terminate() would wait for that lock for ever (a stuck thread, and the pool's
            # pipes and semaphores never freed). So: no more replacements, every worker killed,
            # that lock freed, then terminate; a busy one gets a moment, then the kill.
            handler = getattr(pool, "_worker_handler", None)
            if handler is not None:
                handler._state = TERMINATE
            kill_and_reap(processes)
            # Only the job queue's read lock: the workers alone take it (the pool's own threads
            # write the job queue and read and write the result queue: never free those).
            _free(getattr(getattr(pool, "_inqueue", None), "_rlock", None))
            closer = threading.Thread(target=pool.terminate, name="pool-terminate", daemon=True)
            closer.start()
            closer.join(TERMINATE_GRACE_S)
        else:
            pool.close()
            pool.terminate()
        kill_and_reap(processes + list(getattr(pool, "_pool", [])))
        self._workers = None  # frees the board's shared memory and semaphores (processes.py)


def _free(lock: Any) -> None:
    """Release ``lock`` if it is held: only once everything that could hold it is dead."""
    if lock is None:
        return
    if lock.acquire(False):
        lock.release()
        return
    try:
        lock.release()
    except (ValueError, OSError):  # not held after all
        pass
