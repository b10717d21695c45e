"""``processes``: a ``ProcessPoolExecutor`` on the app's start method, made crash-proof.

Why this executor over a bare ``multiprocessing.Pool``: a killed worker makes ``Pool.map`` hang
forever, while ``ProcessPoolExecutor`` fails every pending future with ``BrokenProcessPool`` in
a few milliseconds. The executor is then unusable, so it is marked broken and the pool manager
builds a new one for the next run. Which worker died, with what exit code and on which task, is
read from the worker processes (a private but long-stable attribute) and the worker board.

Trap: under forkserver a worker's exit code arrives once, through its sentinel pipe. Two
threads polling ``Process.exitcode`` at the same moment race for it and one reads EOF (exit
code 255). So the executors here only *select* on sentinels to notice a death, and read exit
codes after the pool's own management thread has finished.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from .._worker import SLOT_STRIDE, init_process_worker, running_tasks
from ..cancel import RunCancelled
from ..hops import submit_hop
from ..records import ErrorRecord
from ..start_method import get_context
from ..worker_heap import COLLECTOR_TOP_PAD, keep_heap_warm
from .base import ACCEPTS_PICKLABLE, IN_FLIGHT_PER_WORKER, Executor
from .pipe_room import roomy_process_pool
from .worker_health import Loss, forkserver_record, idle_dead, inspect_loss, note_forkserver

READY_TIMEOUT_S = 60.0
READY_POLL_S = 0.02  # a cancel during start-up is seen within this


def never() -> bool:
    return False


def dead_processes(processes: Sequence[Any]) -> list[Any]:
    """Processes whose sentinel is ready (they exited), found without reading exit codes."""
    from multiprocessing.connection import wait

    by_sentinel = {p.sentinel: p for p in processes}
    return [by_sentinel[s] for s in wait(list(by_sentinel), timeout=0)] if by_sentinel else []


def exit_description(exitcode: int | None) -> str:
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        try:
            return f"killed by signal {signal.Signals(-exitcode).name} (exit code {exitcode})"
        except ValueError:
            return f"killed by signal {-exitcode} (exit code {exitcode})"
    return f"exit code {exitcode}"


class ProcessWorkers:
    """What the process executors share: a board, a ready semaphore and worker bookkeeping."""

    def __init__(self, pool_size: int, nice: int) -> None:
        # This process unpickles every chunk the workers send: it keeps its freed heap mapped
        # as they do (worker_heap.py; their initializer does the same for them).
        keep_heap_warm(COLLECTOR_TOP_PAD)
        ctx = get_context()
        self.ctx = ctx
        # Spare slots: multiprocessing.Pool replaces a dead worker at once, and the replacement
        # must not overwrite the slot that says which task the dead one was running.
        self.slots = 4 * pool_size
        self.board = ctx.RawArray("d", SLOT_STRIDE * self.slots)
        for slot in range(self.slots):
            self.board[SLOT_STRIDE * slot + 1] = -1
        self.counter = ctx.Value("i", 0)
        self.ready = ctx.Semaphore(0)
        self.initargs = (self.board, self.slots, self.counter, self.ready, nice)

    def running(self) -> tuple[tuple[int, int, float], ...]:
        return tuple(running_tasks(self.board, self.slots))

    def task_of(self, pid: int) -> int | None:
        for running_pid, task, _ in running_tasks(self.board, self.slots):
            if running_pid == pid:
                return task
        return None

    def wait_ready(
        self,
        count: int,
        alive: Callable[[], bool],
        interrupted: Callable[[], bool] = lambda: False,
    ) -> None:
        """Block until ``count`` workers ran their initializer (or fail if one died); raise
        :class:`RunCancelled` within one poll of ``interrupted()`` turning true (64 workers
        take seconds to import on a loaded machine: a cancel or a quit must not wait)."""
        waited = 0.0
        for _ in range(count):
            while not self.ready.acquire(timeout=READY_POLL_S):
                waited += READY_POLL_S
                if interrupted():
                    raise RunCancelled("run cancelled while its pool was starting")
                if not alive() or waited > READY_TIMEOUT_S:
                    raise RuntimeError("worker processes failed to start")

    def death_records(
        self, processes: Sequence[Any], origin: str, context: str
    ) -> list[ErrorRecord]:
        """One record per worker that exited on its own (not by our terminate); one record
        in all when the forkserver died (its workers only look dead: they are killed here)."""
        loss = inspect_loss(processes)
        if loss.forkserver or loss.orphans:
            return [forkserver_record(loss, origin, context)]
        records = []
        for process in loss.dead:
            code = process.exitcode
            if code is None or code == -signal.SIGTERM:
                continue
            task = self.task_of(process.pid)
            records.append(
                ErrorRecord(
                    origin=origin,
                    type="WorkerDied",
                    message=(
                        f"worker pid {process.pid} died ({exit_description(code)})"
                        + (f" while running task {task}" if task is not None else "")
                    ),
                    traceback="",
                    task=task,
                    worker=f"pid {process.pid}",
                    pid=process.pid,
                    exitcode=code,
                    context=context,
                )
            )
        return records


def kill_and_reap(processes: Sequence[Any], timeout: float = 1.0) -> None:
    """SIGKILL every live process and wait for it, so none is left behind or a zombie."""
    for process in processes:
        if process.exitcode is None:
            try:
                process.kill()
            except (OSError, ValueError):
                pass
    for process in processes:
        try:
            process.join(timeout)
        except (AssertionError, ValueError):
            pass


class ProcessExecutor(Executor):
    """Processes: one interpreter (and one GIL) per worker, so CPU-bound work runs in parallel."""

    kind = "processes"
    label = "a ProcessPoolExecutor (one interpreter per worker)"
    origin = "process"
    other_origins = ("future",)  # a lesson's own submit()ted futures run on this kind
    workers, accepts = "processes", ACCEPTS_PICKLABLE
    files_per_worker, tasks_per_worker = 2, 2  # sentinel + status pipe; main + parent-watch

    def __init__(self, pool_size: int, nice: int = 0) -> None:
        super().__init__(pool_size)
        self._nice = nice
        self._workers: ProcessWorkers | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._processes: list[Any] = []
        self.interrupted: Callable[[], bool] = never  # the pool manager's run's cancel

    def _start(self) -> None:
        workers = self._workers = ProcessWorkers(self.pool_size, self._nice)
        self._pool = roomy_process_pool(
            IN_FLIGHT_PER_WORKER * self.pool_size,
            max_workers=self.pool_size,
            mp_context=workers.ctx,
            initializer=init_process_worker,
            initargs=workers.initargs,
        )
        # ProcessPoolExecutor spawns workers on demand; start them all now (before its manager
        # thread exists, as ``_launch_processes`` does), so start-up is measured apart from the
        # work; one by one, so that a cancel stops the launch too.
        pool = self._pool
        try:
            for _ in range(self.pool_size):
                if self.interrupted():
                    raise RunCancelled("run cancelled while its pool was starting")
                pool._spawn_process()  # type: ignore[attr-defined]  # private, not in typeshed
            self._processes = list(pool._processes.values())
            workers.wait_ready(
                self.pool_size, lambda: not dead_processes(self._processes), self.interrupted
            )
            note_forkserver()
        except BaseException:
            self._processes = list(pool._processes.values())
            self.shutdown()  # kill what started: a half-built pool is never kept
            raise

    def _submit(self, func: Callable[[Any], Any], first: int, items: Sequence[Any]) -> Future:
        assert self._pool is not None
        return submit_hop(self._pool.submit, func, first, items)

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        """One call on a warm worker, the ``concurrent.futures`` way (a lesson's own futures)."""
        self.start()
        assert self._pool is not None
        return self._pool.submit(fn, *args)

    def _running(self):
        workers = self._workers  # shutdown() may clear it from another thread
        return workers.running() if workers else ()

    def worker_pids(self) -> list[int]:
        return [p.pid for p in self._processes]

    def idle_loss(self) -> Loss:
        """Workers of this warm pool found dead (or cut off) before a run reuses it."""
        pool = self._pool
        if pool is None:
            return Loss()
        dead = idle_dead(self._processes)
        if not dead and getattr(pool, "_broken", False):
            dead = list(self._processes)
        return inspect_loss(dead)

    def _dead_workers(self) -> list[ErrorRecord]:
        pool = self._pool
        workers = self._workers
        if workers is None or pool is None or not getattr(pool, "_broken", False):
            return []
        # The pool noticed the death itself; once its manager thread has reaped every worker,
        # the exit codes can be read without racing it.
        manager = getattr(pool, "_executor_manager_thread", None)
        if manager is not None:
            manager.join(2.0)
        records = workers.death_records(self._processes, self.origin, self.context)
        return records or [
            ErrorRecord(
                origin=self.origin,
                type="BrokenProcessPool",
                message="a worker process ended unexpectedly; the pool was rebuilt",
                traceback="",
                context=self.context,
            )
        ]

    def _abort(self) -> None:
        self.broken = True
        self.shutdown()

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            kill_and_reap(self._processes)
            self._pool = None
        # Free the board's shared memory and semaphores now, not whenever this object goes:
        # stopping the resource tracker while they live made it unlink them under our feet.
        self._workers = None
