"""``pool``: a real ``multiprocessing.Pool``, the API the lessons teach, with the guards it lacks.

``Pool`` on its own hangs forever when a worker is killed (it quietly replaces the worker and
waits for a result that will never come) and when a job raises ``SystemExit`` or an exception
that will not unpickle. The guards: every job runs inside :func:`run_chunk_pickled`, which
catches everything and sends strings; the original worker processes are watched through their
sentinels (``Pool._pool`` is private, and the only handle on them); and on a death, a cancel or
a timeout the pool is terminated from a side thread and any worker still alive is killed.

One more guard is for the app's own responsiveness: :class:`QuietPool`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from multiprocessing.pool import Pool
from typing import Any

from .._worker import init_process_worker, run_chunk_pickled
from ..records import ErrorRecord
from .base import Executor
from .processes import ProcessWorkers, dead_processes, kill_and_reap

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

    def _get_sentinels(self) -> list:
        return [self._change_notifier._reader]  # type: ignore[attr-defined]  # private, see above


class PoolExecutor(Executor):
    """``multiprocessing.Pool(pool_size)`` on the app's start method, watched for crashes."""

    kind = "pool"
    origin = "pool"

    def __init__(self, pool_size: int, nice: int = 0) -> None:
        super().__init__(pool_size)
        self._nice = nice
        self._workers: ProcessWorkers | None = None
        self._pool: Any = None
        self._processes: list[Any] = []

    def _start(self) -> None:
        workers = self._workers = ProcessWorkers(self.pool_size, self._nice)
        self._pool = QuietPool(
            self.pool_size,
            initializer=init_process_worker,
            initargs=workers.initargs,
            context=workers.ctx,
        )
        self._processes = list(self._pool._pool)  # see module doc
        workers.wait_ready(self.pool_size, lambda: not dead_processes(self._processes))

    def _submit(self, func: Callable[[Any], Any], first: int, items: Sequence[Any]) -> Future:
        future: Future = Future()
        future.set_running_or_notify_cancel()

        def _failed(exc: BaseException) -> None:
            if not future.done():
                future.set_exception(exc)

        def _succeeded(value: Any) -> None:
            if not future.done():
                future.set_result(value)

        self._pool.apply_async(
            run_chunk_pickled, (func, first, items), callback=_succeeded, error_callback=_failed
        )
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
            # A busy or dead worker can keep terminate() waiting; give it a moment, then kill.
            closer = threading.Thread(target=pool.terminate, name="pool-terminate", daemon=True)
            closer.start()
            closer.join(TERMINATE_GRACE_S)
        else:
            pool.close()
            pool.terminate()
        kill_and_reap(processes + list(getattr(pool, "_pool", [])))
        self._workers = None  # frees the board's shared memory and semaphores (processes.py)
