"""Events a run reports, and the sink that batches them for the consumer.

A consumer (the CLI's printer, the window's Qt bridge) gets lists of events at most every
``interval`` seconds, from one flusher thread, so 100,000 tiny tasks become a few dozen calls.
Consecutive span batches are merged and only the newest progress is kept.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .lock_events import LockLog
from .records import ErrorRecord, Measurement, SpanTable


@dataclass(frozen=True, slots=True)
class RunStarted:
    scenario: str
    params: dict[str, Any]
    pool_sizes: tuple[int, ...]
    repeats: int
    origin: float  # perf_counter() at run start: spans are shown relative to it


@dataclass(frozen=True, slots=True)
class MeasurementStarted:
    series: str
    backend: str
    pool_size: int
    repeat: int
    total: int
    bound: str = "cpu"  # what the tasks wait for when not on a CPU: the timeline names it


@dataclass(frozen=True, slots=True)
class TasksFinished:
    """Spans of finished tasks. The emitter hands the table over: the sink may extend it."""

    series: str
    backend: str
    pool_size: int
    repeat: int
    spans: SpanTable


@dataclass(frozen=True, slots=True)
class LocksRecorded:
    """A lesson's lock holds and lost updates for one measurement (engine/lock_events.py)."""

    series: str
    backend: str
    pool_size: int
    repeat: int
    locks: LockLog


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int
    # (pid, task, start) of tasks running right now
    running: tuple[tuple[int, int, float], ...] = ()


@dataclass(frozen=True, slots=True)
class OutputLine:
    text: str
    source: str


@dataclass(frozen=True, slots=True)
class ErrorRaised:
    record: ErrorRecord


@dataclass(frozen=True, slots=True)
class MeasurementFinished:
    measurement: Measurement


@dataclass(frozen=True, slots=True)
class RunFinished:
    report: Any  # engine.report.RunReport; typed loosely to keep this module import-light


Event = (
    RunStarted
    | MeasurementStarted
    | TasksFinished
    | LocksRecorded
    | Progress
    | OutputLine
    | ErrorRaised
    | MeasurementFinished
    | RunFinished
)
Consumer = Callable[[Sequence[Event]], None]


def _merge(pending: list[Event], event: Event) -> None:
    """Append ``event``, folding it into earlier ones where that loses nothing.

    Only the newest progress matters, and span batches of the same measurement merge across
    the progress events between them.
    """
    if isinstance(event, Progress):
        for index in range(len(pending) - 1, -1, -1):
            if isinstance(pending[index], Progress):
                del pending[index]
                break
        pending.append(event)
        return
    if isinstance(event, TasksFinished):
        for index in range(len(pending) - 1, -1, -1):
            last = pending[index]
            if isinstance(last, Progress):
                continue
            if isinstance(last, TasksFinished) and (
                last.series,
                last.backend,
                last.pool_size,
                last.repeat,
            ) == (event.series, event.backend, event.pool_size, event.repeat):
                last.spans.extend(event.spans)
                return
            break
    pending.append(event)


class EventSink:
    """Collects events from any thread and hands them to ``consumer`` in batches."""

    def __init__(self, consumer: Consumer | None, interval: float = 0.05) -> None:
        self._consumer = consumer
        self._interval = interval
        self._pending: list[Event] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._consumer_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        if consumer is not None:
            self._thread = threading.Thread(target=self._run, name="event-sink", daemon=True)
            self._thread.start()

    def emit(self, event: Event) -> None:
        if self._consumer is None:
            return
        with self._lock:
            _merge(self._pending, event)

    def _take(self) -> list[Event]:
        with self._lock:
            batch, self._pending = self._pending, []
        return batch

    def flush(self) -> None:
        """Deliver everything pending now (the caller's thread)."""
        batch = self._take()
        if batch and self._consumer is not None:
            with self._consumer_lock:
                self._consumer(batch)

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self._interval)
            try:
                self.flush()
            except Exception:  # a consumer bug must not stop later events from arriving
                sys.excepthook(*sys.exc_info())

    def close(self) -> None:
        """Stop the flusher and deliver what is left; events emitted later are dropped."""
        self._closed = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        self.flush()
        self._consumer = None
