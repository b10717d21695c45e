"""The ``asyncio`` kind: tasks as coroutines on one event loop, in one thread of its own.

Where asyncio fits: waiting. A task that awaits (``asyncio.sleep``, a socket) lets the loop
run the others, so ``pool_size`` tasks wait at once like threads do. A plain function is
called on the loop as it is, and that is the lesson: it blocks the loop, so a CPU-bound task
runs one after another whatever the pool size, and the spans show it.

``pool_size`` is how many tasks may be in flight at once (a semaphore each chunk holds while
it runs its tasks back to back), so a pool-size sweep shows the I/O scaling.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

from .._worker import (
    ChunkResult,
    _begin_capture,
    _end_capture,
    describe_exception,
    install_stdout_capture,
)
from ..gil import gil_enabled_now
from .base import Executor

JOIN_S = 2.0  # how long a cancel waits for the loop thread; a blocking plain task may outlast it


class AsyncioExecutor(Executor):
    """One event loop in one daemon thread; at most ``pool_size`` tasks in flight."""

    kind = "asyncio"
    label = "coroutines on one asyncio event loop in one thread (a plain function blocks it)"
    origin = "asyncio"
    workers = "coroutines"

    def __init__(self, pool_size: int, nice: int = 0) -> None:
        super().__init__(pool_size, nice)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._slots: asyncio.Semaphore | None = None
        self._stop = threading.Event()
        # slot -> (task, start) of the task each in-flight chunk is running now
        self._now: dict[int, tuple[int, float]] = {}

    # --- the loop thread ------------------------------------------------------------------

    def _start(self) -> None:
        install_stdout_capture()
        self._stop = threading.Event()
        self._now = {}
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        self._loop = loop

        def serve() -> None:
            asyncio.set_event_loop(loop)
            self._slots = asyncio.Semaphore(self.pool_size)
            _begin_capture()  # the loop thread's output, handed out as chunks finish
            loop.call_soon(ready.set)
            try:
                loop.run_forever()
            finally:
                _end_capture()
                _cancel_all(loop)
                loop.close()

        self._thread = threading.Thread(
            target=serve, name=f"lab-asyncio-loop-{self.pool_size}", daemon=True
        )
        self._thread.start()
        if not ready.wait(30.0):
            raise RuntimeError("the asyncio loop thread did not start within 30 s")

    def _submit(self, func: Callable[[Any], Any], first: int, items: Sequence[Any]) -> Future:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(self._chunk(func, first, items), self._loop)

    async def _chunk(self, func: Callable[[Any], Any], first: int, items: Sequence[Any]):
        """Run one chunk's tasks back to back while holding one of the ``pool_size`` slots."""
        assert self._slots is not None
        is_coroutine = inspect.iscoroutinefunction(func)
        async with self._slots:
            slot = min(set(range(self.pool_size)) - set(self._now), default=0)
            chunk = ChunkResult(first, os.getpid(), threading.current_thread().name)
            clock = time.perf_counter
            try:
                for offset, item in enumerate(items):
                    if self._stop.is_set():
                        break
                    task = first + offset
                    start = clock()
                    chunk.marks.append(start)
                    self._now[slot] = (task, start)
                    try:
                        value = await func(item) if is_coroutine else func(item)
                    except asyncio.CancelledError:
                        raise
                    except BaseException as exc:  # SystemExit too: it must not stop the loop
                        chunk.error_ends[task] = clock()
                        chunk.errors.append((task, *describe_exception(exc)))
                        value = None
                    chunk.results.append(value)
            finally:
                chunk.marks.append(clock())
                self._now.pop(slot, None)
                chunk.gil = gil_enabled_now()
            chunk.output = _end_capture()
            _begin_capture()
            return chunk

    def _running(self) -> tuple[tuple[int, int, float], ...]:
        pid = os.getpid()
        return tuple((pid, task, start) for task, start in list(self._now.values()))

    # --- stopping ------------------------------------------------------------------------

    def _abort(self) -> None:
        self.broken = True
        self._stop_loop()

    def shutdown(self) -> None:
        self._stop_loop()

    def _stop_loop(self) -> None:
        """Cancel the loop's tasks, stop it and join its thread (a blocked plain task aside)."""
        self._stop.set()
        loop, thread = self._loop, self._thread
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(loop.stop)
            except RuntimeError:  # closed between the check and the call
                pass
        if thread is not None:
            thread.join(JOIN_S)
        self._loop = self._thread = None
        self._started = False


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel every task left on ``loop`` and let them unwind, as ``asyncio.run`` does."""
    tasks = asyncio.all_tasks(loop)
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
