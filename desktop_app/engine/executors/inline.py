"""Executors whose workers are threads of this process: ``serial`` and ``threads``."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Sequence

from .._worker import ThreadBoard, init_thread_worker, install_stdout_capture, run_chunk, running_tasks
from .base import Executor


class SerialExecutor(Executor):
    """The baseline: every task in the calling thread, one after another."""

    kind = "serial"
    origin = "thread"

    def __init__(self, pool_size: int = 1) -> None:
        super().__init__(1)
        self._board = ThreadBoard(1)

    def _start(self) -> None:
        install_stdout_capture()

    def _submit(self, func: Callable[[Any], Any], first: int, items: Sequence[Any]) -> Future:
        init_thread_worker(self._board)
        future: Future = Future()
        future.set_result(run_chunk(func, first, items))
        return future

    def _running(self):
        return tuple(running_tasks(self._board.values, 1))

    def _abort(self) -> None:
        pass  # nothing runs between chunks

    def shutdown(self) -> None:
        pass


class ThreadExecutor(Executor):
    """A ``ThreadPoolExecutor``: concurrency for waiting, but one GIL for computing."""

    kind = "threads"
    origin = "thread"

    def __init__(self, pool_size: int) -> None:
        super().__init__(pool_size)
        self._board = ThreadBoard(self.pool_size)
        self._pool: ThreadPoolExecutor | None = None

    def _start(self) -> None:
        install_stdout_capture()
        self._pool = ThreadPoolExecutor(
            max_workers=self.pool_size,
            thread_name_prefix=f"lab-thread-{self.pool_size}",
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
        return self._pool.submit(run_chunk, func, first, items)

    def _running(self):
        return tuple(running_tasks(self._board.values, self.pool_size))

    def _abort(self) -> None:
        # Threads cannot be killed: drop queued chunks; a running task finishes on its own.
        self.broken = True
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=not self.broken, cancel_futures=True)
            self._pool = None
