"""Executors whose workers are threads of this process: ``threads`` and the ``serial`` baseline."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from .._worker import (
    ThreadBoard,
    init_thread_worker,
    install_stdout_capture,
    run_chunk,
    running_tasks,
)
from .base import Executor


class ThreadExecutor(Executor):
    """A ``ThreadPoolExecutor``: concurrency for waiting, but one GIL for computing.

    Threads cannot be killed, so a cancel drops the queued chunks and asks running chunks to
    stop between two tasks; a task that never returns keeps its thread until it does.
    """

    kind = "threads"
    origin = "thread"

    def __init__(self, pool_size: int) -> None:
        super().__init__(pool_size)
        self._board = ThreadBoard(self.pool_size)
        self._pool: ThreadPoolExecutor | None = None
        self._stop = threading.Event()

    def _start(self) -> None:
        install_stdout_capture()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(
            max_workers=self.pool_size,
            thread_name_prefix=f"lab-{self.kind}-{self.pool_size}",
            initializer=init_thread_worker,
            initargs=(self._board,),
        )
        # Make every thread exist now, so start-up is measured apart from the work.
        barrier = threading.Barrier(self.pool_size)
        warmups = [self._pool.submit(barrier.wait, 5.0) for _ in range(self.pool_size)]
        for future in warmups:
            future.result()

    def _submit(self, func: Callable[[Any], Any], first: int, items: Sequence[Any]) -> Future:
        assert self._pool is not None
        return self._pool.submit(run_chunk, func, first, items, self._stop)

    def _running(self):
        return tuple(running_tasks(self._board.values, self.pool_size))

    def _abort(self) -> None:
        self.broken = True
        self._stop.set()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        self._stop.set()
        if self._pool is not None:
            self._pool.shutdown(wait=not self.broken, cancel_futures=True)
            self._pool = None


class SerialExecutor(ThreadExecutor):
    """The baseline: one task after another on a single worker thread.

    One thread rather than the caller's own, so the caller stays free to report progress,
    show the running task and notice a cancel while a task runs.
    """

    kind = "serial"

    def __init__(self, pool_size: int = 1) -> None:
        super().__init__(1)
