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
