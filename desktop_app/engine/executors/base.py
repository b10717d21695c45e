"""The executor interface, and the dispatch loop the pooled executors share.

In the spirit of ``concurrent.futures.Executor``: one small class per kind of worker, one
``map`` that returns results in input order plus a span for every task. The loop keeps at most
four chunks per worker in flight (and, for a moment, as many finished ones not yet collected),
so memory stays bounded for any ``n`` and a cancel or a dead worker is noticed within one poll
(50 ms).
"""

from __future__ import annotations

import multiprocessing
import pickle
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from queue import Empty, SimpleQueue
from typing import Any, ClassVar

from .._worker import describe_exception
from ..cancel import CancelToken
from ..gil import OBSERVED as GIL_OBSERVED
from ..hops import ChunkHop, HopBreakdown, receive_hop, summarize
from ..limits import PoolSizeError as PoolSizeError  # re-exported: limits.py owns the bounds
from ..limits import check_pool_size
from ..records import ErrorRecord, SpanTable, worker_label
from ..span_rows import SpanRows
from ._refusals import PoolStartError as PoolStartError
from ._refusals import check_room, describe_refusal

POLL_S = 0.05

# Chunks submitted and not yet collected, per worker: a map at the default chunksize (four chunks
# a worker, as Pool.map's) is sent whole at its start, as a bare Pool.map sends it, while the
# parent's GIL is free; with two, the parent's pipe feeder waited for the GIL behind the
# collecting of results while workers sat idle (docs/benchmarks.md, issue 14 "Round 5"). A
# bound all the same: with a small chunksize memory stays that of a few chunks, and a cancel
# kills a process pool's workers or drops a thread pool's queued chunks at once.
IN_FLIGHT_PER_WORKER = 4

ChunkCallback = Callable[[SpanTable, int, int, tuple], None]


def default_chunksize(count: int, pool_size: int) -> int:
    """``multiprocessing.Pool.map``'s rule: about four chunks per worker."""
    chunksize, extra = divmod(count, pool_size * 4)
    return max(1, chunksize + (1 if extra else 0))


@dataclass
class MapOutcome:
    """What one ``map`` produced: results in input order, a span per task, errors, state."""

    results: list[Any]
    spans: SpanTable
    errors: list[ErrorRecord] = field(default_factory=list)
    state: str = "completed"  # completed | failed | cancelled
    wall_s: float = 0.0
    hops: HopBreakdown | None = None  # process kinds only: where each chunk's time went


@dataclass
class MapHooks:
    """How a running map reports: spans as chunks finish, progress with the running tasks."""

    on_spans: Callable[[SpanTable], None] | None = None
    on_progress: Callable[[int, int, tuple[tuple[int, int, float], ...]], None] | None = None
    on_output: Callable[[str, str], None] | None = None
    context: str = ""


ACCEPTS_ANY = "any callable"
ACCEPTS_PICKLABLE = "picklable callables only (module-level functions, no lambdas)"


class Executor(ABC):
    """A pool of workers of one kind, started once and reused warm across runs.

    A kind describes itself in the class attributes below; the registry in ``__init__.py``
    (and through it the CLI, the error console, the smoke test and the tests) reads them, so a
    new kind is this one subclass in one module plus one registration line.
    """

    kind: ClassVar[str]  # its registry name: serial | threads | processes | pool
    label: ClassVar[str]  # what a user reads: "ThreadPoolExecutor-like threads"
    origin: ClassVar[str]  # the error-record origin of its workers' exceptions
    # Further origins its workers report under (the processes kind also runs a lesson's futures).
    other_origins: ClassVar[tuple[str, ...]] = ()
    fixed_size: ClassVar[int | None] = None  # the size it always has, whatever is asked (serial)
    workers: ClassVar[str] = "threads"  # what its workers are: threads, processes, interpreters…
    accepts: ClassVar[str] = ACCEPTS_ANY
    files_per_worker: ClassVar[int] = 0  # open files each worker holds in this process
    tasks_per_worker: ClassVar[int] = 1  # threads or processes each worker counts per user

    def __init__(self, pool_size: int, nice: int = 0) -> None:
        self.pool_size = check_pool_size(self.fixed_size or pool_size)
        self.nice = nice
        self.broken = False
        self.context = ""  # what the current map is part of, for error records
        self._started = False

    @property
    def warm(self) -> bool:
        return self._started and not self.broken

    def start(self) -> float:
        """Start every worker and wait until each is ready; seconds taken (0.0 when warm).

        A broken executor (a worker died, a run was cancelled or timed out) is rebuilt here,
        so the next run after a failure works.
        """
        if self._started and not self.broken:
            return 0.0
        if self.broken:
            self.shutdown()
            self.broken = False
        began = time.perf_counter()
        check_room(self)  # raises PoolStartError before anything is started
        before = set(multiprocessing.active_children())
        try:
            self._start()
        except BaseException as exc:
            self._release_failed_start(before)
            refusal = describe_refusal(exc, self)
            if refusal is None:
                raise
            raise refusal from exc
        self._started = True
        return time.perf_counter() - began

    def _release_failed_start(self, before: set) -> None:
        """Stop whatever a failed start got going: its own shutdown, then any child it left
        (a pool that failed half-way through launching keeps no list of what it launched)."""
        try:
            self.shutdown()
        except Exception:  # half-built: the kill below is what must not be skipped
            pass
        self._started = False
        self.broken = False
        for child in set(multiprocessing.active_children()) - before:
            child.kill()
            child.join(1.0)

    @classmethod
    def check_callable(cls, func: Callable[..., Any]) -> str | None:
        """Why ``func`` cannot run on this kind, in one line, or None when it can."""
        if cls.accepts != ACCEPTS_PICKLABLE:
            return None
        try:
            pickle.dumps(func)
        except Exception as exc:
            name = getattr(func, "__qualname__", repr(func))
            return f"{cls.kind} accepts {cls.accepts}; {name} cannot be pickled ({exc})"
        return None

    @abstractmethod
    def _start(self) -> None: ...

    @abstractmethod
    def shutdown(self) -> None:
        """Stop every worker now; afterwards no thread or process of this executor runs."""

    def map(
        self,
        func: Callable[[Any], Any],
        items: Sequence[Any],
        *,
        chunksize: int | None = None,
        cancel: CancelToken | None = None,
        timeout: float | None = None,
        hooks: MapHooks | None = None,
    ) -> MapOutcome:
        """Run ``func`` over ``items``; task exceptions become error records, never raise."""
        refused = self.check_callable(func)
        if refused is not None:
            context = (hooks or MapHooks()).context
            record = ErrorRecord(self.origin, "TypeError", refused, "", context=context)
            return MapOutcome([None] * len(items), SpanTable(), [record], "failed")
        self.start()
        return _Dispatch(self, func, items, chunksize, cancel, timeout, hooks or MapHooks()).run()

    # --- what a pooled executor provides to the dispatch loop -------------------------------

    @abstractmethod
    def _submit(self, func: Callable[[Any], Any], first: int, items: Sequence[Any]) -> Future:
        """Submit one chunk; the future's result is a ChunkResult, its pickled bytes, or (process
        kinds, through ``hops.submit_hop``) those bytes with the worker's hop stamps."""

    def _running(self) -> tuple[tuple[int, int, float], ...]:
        """(pid, task, start) of the tasks running now."""
        return ()

    def _dead_workers(self) -> list[ErrorRecord]:
        """Records for workers that died (empty while all are alive)."""
        return []

    def drain_notes(self) -> list[ErrorRecord]:
        """Records of events that did not fail the map (dask: a worker it replaced)."""
        return []

    @abstractmethod
    def _abort(self) -> None:
        """Stop the work in flight at once (cancel, timeout, dead worker); mark broken."""


class _Dispatch:
    """One ``map`` call: submits chunks, gathers results, watches cancel, timeout and crashes."""

    def __init__(self, executor, func, items, chunksize, cancel, timeout, hooks) -> None:
        self.executor: Executor = executor
        self.func = func
        self.items = items
        self.count = len(items)
        self.chunksize = chunksize or default_chunksize(self.count, executor.pool_size)
        self.cancel = cancel or CancelToken()
        self.timeout = timeout
        self.hooks: MapHooks = hooks
        executor.context = hooks.context
        self.results: list[Any] = [None] * self.count
        self.spans = SpanRows(self.count)
        self.errors: list[ErrorRecord] = []
        self.done = 0
        self.hops: list[ChunkHop] = []

    def _chunks(self):
        for first in range(0, self.count, self.chunksize):
            yield first, self.items[first : first + self.chunksize]

    def run(self) -> MapOutcome:
        began = time.perf_counter()
        state = self._loop(began)
        outcome = MapOutcome(self.results, self.spans.table(), self.errors, state)
        outcome.wall_s = time.perf_counter() - began
        outcome.hops = summarize(self.hops) if state == "completed" else None
        if self.hooks.on_progress:
            self.hooks.on_progress(self.done, self.count, ())
        return outcome

    def _loop(self, began: float) -> str:
        executor = self.executor
        chunks = self._chunks()
        pending: dict[Future, tuple[int, int]] = {}
        # Futures land here as they finish (a done-callback), in the order they finish:
        # ``concurrent.futures.wait`` took ~60 µs a call to arm and disarm a waiter on every
        # pending future, several times a map (docs/benchmarks.md, issue 14 "Round 5").
        arrivals: SimpleQueue[Future] = SimpleQueue()
        limit = IN_FLIGHT_PER_WORKER * executor.pool_size
        while True:
            self._submit_more(chunks, pending, arrivals, limit)
            if not pending:
                return "completed"
            finished = [
                (future, pending.pop(future))
                for future in _arrived(arrivals, POLL_S)
                if future in pending  # a future cancelled by an abort still calls back
            ]
            # The next chunks go out before these are collected: a worker that just finished
            # finds its next chunk on its way instead of waiting while the parent unpickles
            # (so up to twice ``limit`` chunks are held for a moment, the finished ones' results
            # not yet copied out). Not once cancelled: _check ends the run below.
            if not self.cancel.cancelled:
                self._submit_more(chunks, pending, arrivals, limit)
            for future, (first, size) in finished:
                self._collect(future, first, size)
            state = self._check(began)
            if state:
                for future in pending:
                    future.cancel()
                return state
            if self.hooks.on_progress:
                self.hooks.on_progress(self.done, self.count, executor._running())

    def _submit_more(self, chunks, pending, arrivals, limit) -> None:
        """Submit chunks until ``limit`` are in flight or none are left.

        A submit that raises (a process pool a dead worker broke before its futures failed,
        an argument a kind cannot send) becomes that chunk's failed future: collected like
        any other, so the death is reported by :meth:`_check` with its pid and exit code and
        an unsendable argument by ``_chunk_failed``, instead of escaping ``map``.
        """
        while len(pending) < limit:
            chunk = next(chunks, None)
            if chunk is None:
                return
            try:
                future = self.executor._submit(self.func, *chunk)
            except Exception as exc:
                future = Future()
                future.set_exception(exc)
            pending[future] = (chunk[0], len(chunk[1]))
            future.add_done_callback(arrivals.put)

    def _check(self, began: float) -> str | None:
        executor = self.executor
        self.errors.extend(executor.drain_notes())
        dead = executor._dead_workers()
        if dead:
            self.errors.extend(dead)
            executor._abort()
            return "failed"
        if self.cancel.cancelled:
            executor._abort()
            return "cancelled"
        if self.timeout is not None and time.perf_counter() - began > self.timeout:
            self.errors.append(self._timeout_record())
            executor._abort()
            return "failed"
        return None

    def _timeout_record(self) -> ErrorRecord:
        running = self.executor._running()
        tasks = ", ".join(f"task {task} on pid {pid}" for pid, task, _ in running) or "none"
        return ErrorRecord(
            origin=self.executor.origin,
            type="TimeoutError",
            message=f"run did not finish within {self.timeout:g} s (still running: {tasks})",
            traceback="",
            task=running[0][1] if running else None,
            pid=running[0][0] if running else None,
            context=self.hooks.context,
        )

    def _collect(self, future: Future, first: int, size: int) -> None:
        try:
            chunk, hop = receive_hop(future, future.result())
        except BaseException as exc:
            self._chunk_failed(exc, first, size)
            return
        if hop is not None:
            self.hops.append(hop)
        self.results[first : first + len(chunk.results)] = chunk.results
        rows = self.spans.add_chunk(
            first, chunk.pid, chunk.thread, *chunk.span_columns(), on_cpu=chunk.span_on_cpu()
        )
        self.done += size
        GIL_OBSERVED.note(chunk.pid, chunk.thread, chunk.gil)
        worker = worker_label(chunk.pid, chunk.thread)
        for task, name, message, text in chunk.errors:
            self.errors.append(
                ErrorRecord(
                    origin=self.executor.origin,
                    type=name,
                    message=message,
                    traceback=text,
                    task=task,
                    worker=worker,
                    pid=chunk.pid,
                    context=self.hooks.context,
                )
            )
        if self.hooks.on_spans:  # a copy of the chunk's rows, still in the cache
            self.hooks.on_spans(self.spans.part(*rows))
        if chunk.output and self.hooks.on_output:
            self.hooks.on_output(chunk.output, worker)

    def _chunk_failed(self, exc: BaseException, first: int, size: int) -> None:
        """A chunk that never ran: its arguments did not pickle, or its worker is gone."""
        if self.executor.broken or type(exc).__name__ in ("BrokenProcessPool", "CancelledError"):
            return  # reported by _dead_workers / the abort that caused it
        record = getattr(exc, "record", None)
        if isinstance(record, ErrorRecord):  # the kind described the loss itself (dask)
            self.errors.append(record)
            self.done += size
            return
        task = first + _first_unpicklable(self.items[first : first + size])
        name, message, text = describe_exception(exc)
        self.errors.append(
            ErrorRecord(
                origin=self.executor.origin,
                type=name,
                message=f"task {task} could not be sent to a worker: {message}",
                traceback=text,
                task=task,
                context=self.hooks.context,
            )
        )
        self.done += size


def _first_unpicklable(items: Sequence[Any]) -> int:
    for offset, item in enumerate(items):
        try:
            pickle.dumps(item)
        except Exception:
            return offset
    return 0


def _arrived(arrivals: SimpleQueue[Future], timeout: float) -> list[Future]:
    """The futures that finished: the first within ``timeout`` (none when it passes), then any
    others already there."""
    try:
        out = [arrivals.get(timeout=timeout)]
    except Empty:
        return []
    while True:
        try:
            out.append(arrivals.get_nowait())
        except Empty:
            return out
