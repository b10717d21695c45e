"""The ``dask`` kind: the same maps on a Dask cluster, the lab's own or one the user runs.

By default the lab starts a ``LocalCluster`` of worker processes itself (one thread each, so
the pool size is the number of workers; scheduler on 127.0.0.1, no dashboard, workers started
with the app's start method, never ``fork``). Given a scheduler address (the window's setting,
``--scheduler tcp://host:port``, or ``CONCURRENCY_LAB_DASK_SCHEDULER``) it connects to that
cluster instead and never tears it down. A pool-size sweep scales one shared cluster
(``scale`` + ``wait_for_workers``); the time that takes is the measurement's start-up, apart
from the map, as a process pool's start-up is.

Each chunk runs in ``_dask_worker.run_chunk_on_worker``, so its spans name the worker by pid
and address (host:port, one timeline row per Dask worker) and a task's exception carries the
worker's own traceback, origin ``dask``. Dask reschedules the tasks of a worker that dies on
another worker, up to ``distributed.scheduler.allowed-failures`` times, then fails them with
``KilledWorker``: each death becomes a ``WorkerLost`` record saying so, and the final failure
a ``KilledWorker`` record for its tasks. A lost scheduler fails the run within
``SCHEDULER_LOST_S`` of the connection closing. Cancel cancels the futures at once; a task
that keeps running on a worker of the lab's own cluster is ended by restarting its workers
before the next run (or by the shutdown), a user's cluster keeps its workers.
"""

from __future__ import annotations

import itertools
import pickle
import threading
import time
import uuid
from array import array
from collections.abc import Callable, Sequence
from concurrent.futures import Future, InvalidStateError
from typing import Any

from .._worker import ChunkResult, describe_exception
from ..records import ErrorRecord
from . import _dask_cluster as cluster
from ._refusals import PoolStartError
from .base import Executor, MapOutcome

SCHEDULER_LOST_S = 3.0  # a run fails this long after its scheduler connection closed
ACCEPTS_CLOUDPICKLE = "callables cloudpickle can send (lambdas and closures too)"

_scheduler: str | None = None  # set_scheduler(); None: the environment variable decides


def set_scheduler(address: str | None) -> None:
    """The scheduler the next ``dask`` runs of this process use ("" = the lab's own cluster,
    None = ``CONCURRENCY_LAB_DASK_SCHEDULER``); ValueError names a malformed address."""
    global _scheduler
    _scheduler = None if address is None else cluster.check_address(address)


def current_scheduler() -> str:
    return cluster.configured_address() if _scheduler is None else _scheduler


class ChunkLost(RuntimeError):
    """A chunk that never finished on a worker (KilledWorker, lost scheduler): its record."""

    def __init__(self, record: ErrorRecord) -> None:
        super().__init__(record.message)
        self.record = record


class DaskExecutor(Executor):
    """Workers of a Dask cluster; see the module docstring."""

    kind = "dask"
    label = "workers of a Dask cluster (the lab's LocalCluster, or tcp://scheduler)"
    origin = "dask"
    workers = "dask workers"
    accepts = ACCEPTS_CLOUDPICKLE

    def __init__(self, pool_size: int, nice: int = 0) -> None:
        super().__init__(pool_size, nice)
        self.address = current_scheduler()
        self._link: cluster.ClusterLink | None = None
        self._restrict: list[str] | None = None  # a user's cluster: the workers this pool uses
        self._live: set[str] = set()  # ... of which the scheduler has not removed any since
        self._run = uuid.uuid4().hex[:12]
        self._keys = itertools.count()
        self._futures: dict[str, tuple[Any, int, int]] = {}  # key -> (dask future, first, n)
        self._now: dict[int, tuple[int, int, float]] = {}  # first -> (pid, task, start)
        self._notes: list[ErrorRecord] = []
        self._lock = threading.Lock()
        self._lost_since: float | None = None
        self._frame = _local_frame()

    @classmethod
    def unavailable(cls) -> str | None:
        """Why this kind cannot run here (``distributed`` missing), or None when it can."""
        return cluster.unavailable_reason()

    @property
    def scheduler(self) -> str:
        """The scheduler's address (the lab's own cluster's once it started)."""
        link = self._link
        return link.scheduler if link is not None else self.address or "the lab's own cluster"

    @property
    def warm(self) -> bool:
        """Started, and the shared cluster is at this pool's size now (another size may have
        rescaled it since: then the next start scales it back)."""
        link = self._link
        fits = link is None or not link.owned or link.scaled_to == self.pool_size
        return super().warm and fits

    def start(self) -> float:
        """As for every kind, and: a warm executor whose cluster another size rescaled is
        scaled back (that time is its start-up); a changed scheduler address reconnects."""
        if self.address != current_scheduler():
            self.shutdown()
            self.address = current_scheduler()
        link = self._link
        if self._started and not self.broken and link is not None and not self._fits(link):
            began = time.perf_counter()
            self._scale(link)
            return time.perf_counter() - began
        return super().start()

    def _start(self) -> None:
        reason = self.unavailable()
        if reason is not None:
            self._refuse(f"the {self.kind} executor is unavailable: {reason}")
        try:
            link = cluster.acquire(self.address)
        except Exception as exc:
            where = self.address or "a local cluster"
            self._refuse(f"cannot connect to the Dask scheduler at {where}: {exc}", exc)
        self._link = link
        link.handlers[self._run] = self._on_event
        self._scale(link)

    def _fits(self, link: cluster.ClusterLink) -> bool:
        """Whether the cluster still has this pool's workers (another size rescaled the lab's
        own; a user's lost some)."""
        if link.owned:
            return link.size() == self.pool_size
        return len(self._live) == self.pool_size

    def _scale(self, link: cluster.ClusterLink) -> None:
        try:
            addresses = link.scale(self.pool_size)
        except Exception as exc:
            self._refuse(f"the Dask cluster at {link.scheduler} could not be scaled: {exc}", exc)
        self._restrict = None if link.owned else addresses
        self._live = set(addresses)
        self._lost_since = None

    def _refuse(self, message: str, exc: BaseException | None = None) -> None:
        text = describe_exception(exc)[2] if exc is not None else ""
        record = ErrorRecord(self.origin, "PoolStartError", message, text, context=self.context)
        raise PoolStartError(record)

    # --- the map -------------------------------------------------------------------------

    def map(self, func, items, **kwargs) -> MapOutcome:
        """As every kind's, and a chunk lost with the scheduler fails the map (the dispatch
        loop may have seen every chunk end, the lost ones with their record)."""
        outcome = super().map(func, items, **kwargs)
        if outcome.state == "completed" and any(
            record.type == "SchedulerLost" for record in outcome.errors
        ):
            outcome.state = "failed"
        return outcome

    def _submit(self, func: Callable[[Any], Any], first: int, items: Sequence[Any]) -> Future:
        from ._dask_worker import run_chunk_on_worker

        link = self._link
        assert link is not None and link.client is not None
        key = f"lab-{self._run}-{next(self._keys)}"
        done: Future = Future()
        future = link.client.submit(
            run_chunk_on_worker,
            func,
            first,
            list(items),
            self._run,
            key=key,
            pure=False,
            workers=self._restrict,
            allow_other_workers=False,  # a pool of p is p workers, on a user's cluster too
        )
        with self._lock:
            self._futures[key] = (future, first, len(items))
        link.client.loop.add_callback(self._relay, key, future, done)
        return done

    async def _relay(self, key: str, future: Any, done: Future) -> None:
        """On the client's event loop: hand a finished chunk to the dispatch loop."""
        try:
            value: Any = _chunk_of(await future._result(), self._frame)
        except BaseException as exc:  # KilledWorker, a lost scheduler, a cancel
            value = exc
        with self._lock:
            _, first, size = self._futures.pop(key, (None, 0, 0))
            self._now.pop(first, None)
        if isinstance(value, BaseException):
            value = self._lost_chunk(value, first, size)
        try:
            if isinstance(value, BaseException):
                done.set_exception(value)
            else:
                done.set_result(value)
        except InvalidStateError:  # the dispatch loop cancelled it already
            pass

    def _lost_chunk(self, exc: BaseException, first: int, size: int) -> BaseException:
        """The record of a chunk that never finished; a plain exception when it was cancelled
        by us or could not be sent (the dispatch loop reports those itself)."""
        name, message, text = describe_exception(exc)
        if name.endswith("KilledWorker"):
            last = getattr(getattr(exc, "last_worker", None), "address", "?")
            tasks = f"task {first}" if size == 1 else f"tasks {first}-{first + size - 1}"
            message = (
                f"{tasks} failed: every worker that ran them died ({message.split('. ')[0]}; "
                f"Dask retries a task up to allowed-failures times, last worker {last})"
            )
        elif name.endswith("CancelledError") and not self.broken:
            message = f"the Dask scheduler at {self.scheduler} was lost before the chunk finished"
            name = "SchedulerLost"
        else:
            return exc
        record = ErrorRecord(self.origin, name, message, text, task=first, context=self.context)
        return ChunkLost(record)

    def _on_event(self, event: Any) -> None:
        """A worker started a chunk of ours, or the scheduler removed a worker."""
        _, message = event
        if not isinstance(message, dict):
            return
        if message.get("run") == self._run:
            start = _to_local(message["start"], message["frame"], self._frame)
            first = message["first"]
            with self._lock:  # the event may come after the chunk's result: then it is over
                if any(chunk_first == first for _, chunk_first, _ in self._futures.values()):
                    self._now[first] = (message["pid"], first, start)
        elif message.get("action") == "remove-worker":
            self._live.discard(message.get("worker", ""))
            if not message.get("expected", True):
                self._worker_lost(message)

    def _worker_lost(self, message: dict) -> None:
        with self._lock:
            ours = [
                self._futures[k][1]
                for k in message.get("processing-tasks", ())
                if k in self._futures
            ]
        if not ours:
            return
        worker = message.get("worker", "?")
        self._notes.append(
            ErrorRecord(
                self.origin,
                "WorkerLost",
                f"Dask worker {worker} died while running task(s) {', '.join(map(str, sorted(ours)))}; "
                "Dask reschedules them on another worker (up to allowed-failures times, then "
                "KilledWorker)",
                "",
                task=min(ours),
                worker=worker,
                context=self.context,
            )
        )

    def _running(self) -> tuple[tuple[int, int, float], ...]:
        with self._lock:
            return tuple(self._now.values())

    def _dead_workers(self) -> list[ErrorRecord]:
        """Nothing for a worker Dask replaces; one record once the scheduler is lost, or once
        every worker of a pool on a user's cluster left it (its tasks could run nowhere)."""
        link = self._link
        if self._restrict is not None and not self._live:
            message = (
                f"every worker of this pool ({', '.join(self._restrict)}) left the Dask cluster "
                f"at {self.scheduler}; the run failed"
            )
            return [ErrorRecord(self.origin, "WorkersLost", message, "", context=self.context)]
        status = getattr(getattr(link, "client", None), "status", "closed")
        if status == "running":
            self._lost_since = None
            return []
        now = time.monotonic()
        if self._lost_since is None:
            self._lost_since = now
        if now - self._lost_since < SCHEDULER_LOST_S:
            return []
        message = (
            f"the Dask scheduler at {self.scheduler} was lost (client {status} for "
            f"{SCHEDULER_LOST_S:g} s); the run failed"
        )
        return [ErrorRecord(self.origin, "SchedulerLost", message, "", context=self.context)]

    def drain_notes(self) -> list[ErrorRecord]:
        """Records of events that did not fail the map (a worker Dask replaced)."""
        notes, self._notes = self._notes, []
        return notes

    # --- stopping ------------------------------------------------------------------------

    def _abort(self) -> None:
        """Cancel every future now; a worker of ours still running one is restarted later."""
        self.broken = True
        link = self._link
        with self._lock:
            futures = [future for future, _, _ in self._futures.values()]
            busy = bool(self._now)
        if link is None or link.client is None:
            return
        if busy and link.owned:
            link.dirty = True
        if futures:
            try:
                link.client.cancel(futures, force=True)
            except Exception:  # the scheduler is gone: nothing left to cancel
                pass

    def shutdown(self) -> None:
        link, self._link = self._link, None
        self._started = False
        if link is None:
            return
        self._abort()
        self.broken = False
        link.handlers.pop(self._run, None)
        with self._lock:
            self._futures.clear()
            self._now.clear()
        cluster.release(link)


def _local_frame() -> tuple[str, float]:
    try:
        from ._dask_worker import clock_frame
    except ImportError:  # no distributed: the executor refuses to start anyway
        return "", 0.0
    return clock_frame()


def _to_local(value: float, frame: tuple[str, float], local: tuple[str, float]) -> float:
    """A worker's ``perf_counter`` reading on this process's clock (see clock_frame)."""
    return value if frame[0] == local[0] else value + frame[1] - local[1]


def _chunk_of(value: tuple[bytes, str, tuple[str, float]], local: tuple[str, float]) -> ChunkResult:
    """The worker's chunk, named by its address and moved onto this machine's clock."""
    data, address, frame = value
    chunk: ChunkResult = pickle.loads(data)
    chunk.thread = address.rpartition("://")[2]
    if frame[0] != local[0]:
        shift = frame[1] - local[1]
        chunk.marks = array("d", (mark + shift for mark in chunk.marks))
        chunk.error_ends = {task: end + shift for task, end in chunk.error_ends.items()}
    return chunk
