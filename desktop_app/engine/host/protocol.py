"""The run-host protocol: every message between the window and its run host, typed, in one place.

Modelled on CPython's ``concurrent/futures/process.py`` (``_CallItem``, ``_ResultItem``): each
message is a small dataclass pickled whole onto one of two one-way pipes (so that sending and
receiving never share a handle across threads, which Windows pipes would not take). Nothing
here imports Qt or the engine's heavy modules: both processes import it.

To the host: :class:`RunCall`, :class:`CancelCall`, :class:`ShutdownCall`.
From the host: :class:`Ready`, :class:`Heartbeat`, :class:`EventBatch`, :class:`ReportPart`,
:class:`RunDone`, :class:`RunFailed`, :class:`HostError`.

Big payloads travel in parts (one unpickle holds the window's GIL throughout, and the GUI
thread waits for it; see server.py for the sizes). The split is :func:`report_parts` (host) and
the join is :class:`ReportAssembler` (window); between them each span crosses the pipe once:
the spans of a finished run are the ones the window already received in its live batches, and
the host sends, as parts, only those the window has not seen (:class:`SpanLedger`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..events import TasksFinished
from ..records import ErrorRecord, SpanTable

# A results table travels in parts: 100,000 rows in one piece held the GUI thread 77 ms;
# 2,000 rows 1-2 ms.
TABLE_CHUNK_ROWS = 2000
# The runs' results likewise: 100,000 tiny tasks at 4 pool sizes made a 14.8 MB report that
# took 22-31 ms to unpickle in one piece (its 400,000 result objects).
RESULT_CHUNK = 10_000
SPAN_CHUNK = 50_000  # 1.5 MB of columns

Pools = list[tuple[str, int, bool]]  # (kind, size, warm) of the host's pools
SpanKey = tuple[str, str, int, int]  # (series, backend, pool size, repeat) of a measurement


@dataclass(frozen=True)
class RunRequest:
    """What to run, fixed when Run is pressed: shared by the CLI, the window and the host.

    ``scenario`` is the registered ``Scenario`` itself, pickled by reference to its module, so
    a scenario registered in the window's process only (a test's, a plug-in's) runs too.
    """

    scenario: Any
    params: dict[str, Any]
    pool_sizes: tuple[int, ...]
    repeats: int
    timeout: float | None = None
    # The Dask scheduler the ``dask`` kind uses: "" the lab's own LocalCluster, an address
    # (tcp://host:port) a running cluster, None what CONCURRENCY_LAB_DASK_SCHEDULER says.
    scheduler: str | None = None


# --- to the host ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunCall:
    run_id: int
    request: RunRequest


@dataclass(frozen=True)
class CancelCall:
    run_id: int


@dataclass(frozen=True)
class ShutdownCall:
    pass


# --- from the host --------------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    pid: int


@dataclass(frozen=True)
class Heartbeat:
    """Sent every ``HEARTBEAT_S`` whatever else happens: a silent host is a frozen one."""


@dataclass(frozen=True)
class EventBatch:
    run_id: int
    events: list[Any]
    pools: Pools


@dataclass(frozen=True)
class ReportPart:
    """A part of a finished run's report that travels before it: ``what`` is ``"rows"`` (the
    results table), ``"results"`` or ``"spans"`` (of ``report.runs[index]``)."""

    run_id: int
    what: str
    index: int
    values: Any


@dataclass(frozen=True)
class RunDone:
    """The report, without what came in parts (rows, results, spans)."""

    run_id: int
    report: Any
    pools: Pools


@dataclass(frozen=True)
class RunFailed:
    """The engine failed in the host, outside the scenario: the record says where and why."""

    run_id: int
    record: ErrorRecord
    pools: Pools


@dataclass(frozen=True)
class HostError:
    """An uncaught error in the host outside any run (a host thread's excepthook)."""

    record: ErrorRecord


ToHost = RunCall | CancelCall | ShutdownCall
FromHost = Ready | Heartbeat | EventBatch | ReportPart | RunDone | RunFailed | HostError


# --- split and join -------------------------------------------------------------------------


def split_batch(events: Sequence[Any], limit: int) -> list[list[Any]]:
    """``events`` in order, as messages of at most ``limit`` spans each (a table that does not
    fit is cut into parts): a 50 ms batch of tiny tasks held 155,000 spans, 4.8 MB that the
    window's bridge thread took 6 ms to unpickle, holding the GIL the GUI thread waits for."""
    messages: list[list[Any]] = []
    current: list[Any] = []
    spans = 0
    for event in events:
        if not isinstance(event, TasksFinished) or not len(event.spans):
            current.append(event)
            continue
        table, first = event.spans, 0
        while first < len(table):
            if spans >= limit:
                messages.append(current)
                current, spans = [], 0
            room = limit - spans
            whole = first == 0 and len(table) <= room
            part = table if whole else table.part(first, first + room)
            current.append(event if whole else dataclasses.replace(event, spans=part))
            spans += len(part)
            first += len(part)
    if current:
        messages.append(current)
    return messages


def span_key(event: TasksFinished) -> SpanKey:
    return (event.series, event.backend, event.pool_size, event.repeat)


def entry_key(entry: Any) -> SpanKey:
    m = entry.measurement
    return (m.series, m.backend, m.pool_size, m.repeat)


@dataclass
class SpanLedger:
    """The host's count of spans sent live, per measurement: what the window has seen."""

    sent: dict[SpanKey, int] = field(default_factory=dict)

    def note(self, events: Sequence[Any]) -> None:
        for event in events:
            if isinstance(event, TasksFinished) and len(event.spans):
                key = span_key(event)
                self.sent[key] = self.sent.get(key, 0) + len(event.spans)


def report_parts(report: Any, seen: SpanLedger) -> Iterator[tuple[str, int, Any]]:
    """Take the rows, results and unseen spans out of ``report`` as (what, index, values) parts.

    Afterwards ``report`` holds none of them (it goes whole, small, as :class:`RunDone`). The
    spans of each entry the window already received live are not sent again: only the tail it
    has not seen (a run's entries of one measurement key come in order, so the live spans of a
    key fill its entries first to last).
    """
    rows, report.table_rows = report.table_rows, []
    for first in range(0, len(rows), TABLE_CHUNK_ROWS):
        yield "rows", 0, rows[first : first + TABLE_CHUNK_ROWS]
    left = dict(seen.sent)
    for index, entry in enumerate(report.runs):
        results, entry.results = entry.results, []
        spans, entry.spans = entry.spans, SpanTable()
        for first in range(0, len(results), RESULT_CHUNK):
            yield "results", index, results[first : first + RESULT_CHUNK]
        key = entry_key(entry)
        known = min(left.get(key, 0), len(spans))
        left[key] = left.get(key, 0) - known
        for first in range(known, len(spans), SPAN_CHUNK):
            yield "spans", index, spans.part(first, min(first + SPAN_CHUNK, len(spans)))


class ReportAssembler:
    """The window's side of the join: keeps the live spans per measurement (the one copy the
    report will hold), collects the parts, and rebuilds the finished report from both."""

    def __init__(self) -> None:
        self._live: dict[SpanKey, SpanTable] = {}
        self._rows: list[Any] = []
        self._results: dict[int, list[Any]] = {}
        self._spans: dict[int, SpanTable] = {}

    def add_events(self, events: Sequence[Any]) -> None:
        for event in events:
            if isinstance(event, TasksFinished) and len(event.spans):
                self._live.setdefault(span_key(event), SpanTable()).extend(event.spans)

    def add_part(self, part: ReportPart) -> None:
        if part.what == "rows":
            self._rows.extend(part.values)
        elif part.what == "results":
            self._results.setdefault(part.index, []).extend(part.values)
        elif part.what == "spans":
            self._spans.setdefault(part.index, SpanTable()).extend(part.values)
        else:
            raise ValueError(f"unknown report part {part.what!r}")

    def finish(self, report: Any) -> Any:
        """``report`` (as :class:`RunDone` carried it) made whole again: each entry's spans are
        its share of the live spans of its measurement, then the tail the host sent."""
        report.table_rows, self._rows = self._rows, []
        offsets: dict[SpanKey, int] = {}
        for index, entry in enumerate(report.runs):
            entry.results = self._results.pop(index, [])
            tail = self._spans.pop(index, None)
            key = entry_key(entry)
            live = self._live.get(key, SpanTable())
            count = entry.measurement.task_count - (len(tail) if tail is not None else 0)
            first = offsets.get(key, 0)
            stop = min(first + max(count, 0), len(live))
            offsets[key] = stop
            # the live table itself when it is all this entry's: no copy
            spans = live if first == 0 and stop == len(live) else live.part(first, stop)
            if tail is not None:
                spans.extend(tail)
            entry.spans = spans
        self._live.clear()
        return report
