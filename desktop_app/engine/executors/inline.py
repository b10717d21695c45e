"""Executors whose workers are threads of this process: ``threads`` and the ``serial`` baseline."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

from .._worker import (
    ThreadBoard,
    init_thread_worker,
    install_stdout_capture,
    run_chunk,
    running_tasks,
)
from .base import Executor


class DaemonThreadPool:
    """``ThreadPoolExecutor``'s submit/shutdown on daemon threads.

    A thread cannot be killed, and ``ThreadPoolExecutor`` joins its (non-daemon) workers at
    interpreter exit: one task that never returns, abandoned by a timeout or a cancel, kept
    the app from ever exiting (the fault matrix's hang in threads). Daemon workers let it go.
    """

    def __init__(
        self, size: int, prefix: str, initializer: Callable[..., None], initargs: tuple
    ) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        for index in range(size):
            thread = threading.Thread(
                target=self._work,
                args=(initializer, initargs),
                name=f"{prefix}_{index}",
                daemon=True,
            )
            try:
                thread.start()
            except RuntimeError as exc:
                # The system refused a thread (ulimit -u): the ones already started would hold
                # their slots against every later run, so stop them before saying so.
                self.shutdown(wait=True)
                exc.add_note(f"{len(self._threads)} of {size} threads had started; all stopped")
                raise
            self._threads.append(thread)

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        future: Future = Future()
        self._queue.put((future, fn, args))
        return future

    def _work(self, initializer: Callable[..., None], initargs: tuple) -> None:
        initializer(*initargs)
        while (item := self._queue.get()) is not None:
            future, fn, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as exc:  # the future carries it, as ThreadPoolExecutor's does
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Stop taking work (dropping queued work if asked); ``wait`` joins the workers."""
        if cancel_futures:
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
        for _ in self._threads:
            self._queue.put(None)
        if wait:
            for thread in self._threads:
                thread.join()


class ThreadExecutor(Executor):
    """A thread pool: concurrency for waiting, but one GIL for computing.

    Threads cannot be killed, so a cancel drops the queued chunks and asks running chunks to
    stop between two tasks; a task that never returns keeps its (daemon) thread until it does.
    """

    kind = "threads"
    label = "a thread pool (ThreadPoolExecutor-like, daemon threads)"
    origin = "thread"

    def __init__(self, pool_size: int, nice: int = 0) -> None:
        super().__init__(pool_size, nice)
        self._board = ThreadBoard(self.pool_size)
        self._pool: DaemonThreadPool | None = None
        self._stop = threading.Event()

    def _start(self) -> None:
        install_stdout_capture()
        self._stop = threading.Event()
        self._pool = DaemonThreadPool(
            self.pool_size, f"lab-{self.kind}-{self.pool_size}", init_thread_worker, (self._board,)
        )
        # Wait until every thread has run its initializer: start-up is measured apart from work.
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
    label = "one task after another on one worker thread (the baseline)"
    fixed_size = 1
