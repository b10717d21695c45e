"""The timeline's span columns: every span lands on its own worker's row, however the
workers' chunks interleave in a batch (rows are found per run of equal keys)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from desktop_app.engine.records import SpanTable, TaskSpan, worker_label
from desktop_app.ui.viewmodels.timeline_spans import MeasurementSpans

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
