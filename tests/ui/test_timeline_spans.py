"""The timeline's span columns: every span lands on its own worker's row, however the
workers' chunks interleave in a batch (rows are found per run of equal keys)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from desktop_app.engine.records import SpanTable, TaskSpan, worker_label
from desktop_app.ui.viewmodels.timeline_spans import MeasurementSpans, host_of, running_bars

WORKERS = [(101, "MainThread"), (102, "MainThread"), (101, "worker-1"), (103, "pool-2")]


@given(st.lists(st.lists(st.integers(0, len(WORKERS) - 1), max_size=30), max_size=4))
def test_every_span_lands_on_its_workers_row(batches):
    spans = MeasurementSpans("cpu: pool × 2")
    expected = []
    task = 0
    for batch in batches:
        table = SpanTable()
        for worker in batch:
            pid, thread = WORKERS[worker]
            table.append(TaskSpan(task, pid, thread, float(task), task + 0.5, True))
            expected.append(worker_label(pid, thread))
            task += 1
        spans.add(table)
        spans.consolidate()
    labels = {row: label for label, row in spans.rows.items()}
    assert [labels[row] for row in spans.row] == expected
    assert list(spans.task) == list(range(task))
    assert sorted(spans.rows.values()) == list(range(len(spans.rows)))


def test_a_running_task_first_does_not_split_its_worker_into_two_rows():
    """A task still running before any span of its worker arrived gets a row named by its pid
    alone; the worker's first finished span takes that row over instead of adding a second."""
    shown = MeasurementSpans("cpu: threads × 1")
    (_, _, rows) = running_bars(shown, ((42, 0, 1.0),), now=2.0, origin=0.0)
    table = SpanTable()
    table.append(TaskSpan(0, 42, "lab-1_0", 1.0, 1.5, True))
    shown.add(table)
    shown.consolidate()
    assert list(shown.rows) == [worker_label(42, "lab-1_0")]
    assert list(shown.row) == [rows[0]] == [0]
    again = running_bars(shown, ((42, 1, 1.6),), now=2.0, origin=0.0)
    assert list(again[2]) == [0] and len(shown.rows) == 1


def test_a_worker_listed_twice_as_running_keeps_one_row():
    """A Dask worker's start event for its next chunk can overtake its last chunk's result:
    for a moment the worker is listed twice as running, and the second entry takes a
    placeholder row. The worker's next span removes that row, so no empty "pid N" row stays
    (CI saw one: rows 'pid 19260 127.0.0.1:39907' and 'pid 19260')."""
    shown = MeasurementSpans("cpu: dask × 2")
    first = SpanTable()
    first.append(TaskSpan(0, 7, "127.0.0.1:4001", 0.0, 0.5, True))
    first.append(TaskSpan(1, 8, "127.0.0.1:4002", 0.0, 0.5, True))
    shown.add(first)
    shown.consolidate()
    _, _, rows = running_bars(shown, ((7, 2, 0.6), (7, 4, 0.7), (8, 3, 0.6)), 1.0, 0.0)
    assert len(shown.rows) == 3 and sorted(rows) == [0, 1, 2]
    later = SpanTable()
    later.append(TaskSpan(2, 7, "127.0.0.1:4001", 0.6, 0.9, True))
    later.append(TaskSpan(3, 8, "127.0.0.1:4002", 0.6, 0.9, True))
    later.append(TaskSpan(4, 7, "127.0.0.1:4001", 0.9, 1.1, True))
    shown.add(later)
    shown.consolidate()
    assert list(shown.rows) == [
        worker_label(7, "127.0.0.1:4001"),
        worker_label(8, "127.0.0.1:4002"),
    ]
    assert shown.row_pids == [7, 8]
    assert list(shown.row) == [0, 1, 0, 1, 0]


def test_a_placeholder_row_that_holds_spans_is_never_renamed_or_dropped():
    """A placeholder names a pid alone, as a worker reporting no thread name does: once such
    a row holds spans, another thread of that pid gets a row of its own and none is lost."""
    shown = MeasurementSpans("cpu: threads × 2")
    table = SpanTable()
    table.append(TaskSpan(0, 5, "", 0.0, 0.5, True))
    shown.add(table)
    shown.consolidate()
    running_bars(shown, ((5, 1, 0.6), (5, 2, 0.6)), 1.0, 0.0)
    more = SpanTable()
    more.append(TaskSpan(1, 5, "worker-2", 0.6, 0.9, True))
    shown.add(more)
    shown.consolidate()
    assert list(shown.rows) == [worker_label(5, ""), worker_label(5, "worker-2")]
    assert list(shown.row) == [0, 1]


DASK_WORKERS = [
    (201, "10.0.0.5:40001"),
    (301, "10.0.0.6:40001"),
    (202, "10.0.0.5:40002"),
    (101, "MainThread"),
    (302, "10.0.0.6:40002"),
]


@given(st.lists(st.lists(st.integers(0, len(DASK_WORKERS) - 1), max_size=20), max_size=4))
def test_every_span_lands_on_its_row_and_a_clusters_rows_are_grouped_by_host(batches):
    """Dask workers are named by address: whatever order their first spans arrive in, the
    rows of one host sit together, and every span still lands on its own worker's row."""
    spans = MeasurementSpans("cpu: dask × 4")
    expected, task = [], 0
    for batch in batches:
        table = SpanTable()
        for worker in batch:
            pid, thread = DASK_WORKERS[worker]
            table.append(TaskSpan(task, pid, thread, float(task), task + 0.5, True))
            expected.append(worker_label(pid, thread))
            task += 1
        spans.add(table)
        spans.consolidate()
    labels = {row: label for label, row in spans.rows.items()}
    assert [labels[row] for row in spans.row] == expected
    assert sorted(spans.rows.values()) == list(range(len(spans.rows)))
    hosts = [host_of(label) for label in spans.rows if host_of(label)]
    assert hosts == sorted(hosts, key=hosts.index)  # each host's rows are contiguous
    assert len(spans.row_pids) == len(spans.rows)
    assert [int(label.split()[1]) for label in spans.rows] == spans.row_pids
