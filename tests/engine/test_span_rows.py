"""SpanRows: a map's spans filled into rows allocated once, in the order chunks arrive.

The reference is SpanTable.extend_chunk on one growing table, which the dispatch used before:
the same chunks must give the same table, column for column.
"""

from __future__ import annotations

from array import array

import pytest

from desktop_app.engine.records import SpanTable
from desktop_app.engine.span_rows import SpanRows


def _chunk(first: int, count: int, start: float, ok_at: int | None = None):
    starts = array("d", [start + i for i in range(count)])
    ends = array("d", [start + i + 0.5 for i in range(count)])
    ok = array("b", [0 if i == ok_at else 1 for i in range(count)])
    on_cpu = array("d", [0.25] * count)
    return first, starts, ends, ok, on_cpu


def _columns(table: SpanTable) -> dict:
    return {name: list(getattr(table, name)) for name in SpanTable.COLUMNS} | {
        "threads": table.threads
    }


def test_chunks_arriving_out_of_order_give_the_table_extend_chunk_gives():
    chunks = [
        (7, "w-2", _chunk(5, 5, 50.0, ok_at=2)),
        (6, "w-1", _chunk(0, 5, 0.0)),
        (6, "w-1", _chunk(10, 3, 90.0)),
    ]
    rows, reference = SpanRows(13), SpanTable()
    taken = []
    for pid, thread, (first, starts, ends, ok, on_cpu) in chunks:
        taken.append(rows.add_chunk(first, pid, thread, memoryview(starts), ends, ok, on_cpu))
        reference.extend_chunk(first, pid, thread, starts, ends, ok, on_cpu)
    assert taken == [(0, 5), (5, 10), (10, 13)]
    assert _columns(rows.table()) == _columns(reference)
    assert list(rows.part(5, 10).task) == [0, 1, 2, 3, 4]


def test_a_cancelled_map_keeps_the_rows_filled_and_drops_the_rest():
    rows = SpanRows(1000)
    first, starts, ends, ok, _ = _chunk(0, 4, 1.0)
    rows.add_chunk(first, 1, "t", starts, ends, ok)  # no CPU readings: NO_CPU
    table = rows.table()
    assert len(table) == 4 and all(len(getattr(table, n)) == 4 for n in SpanTable.COLUMNS)
    assert list(table.on_cpu) == [-1.0] * 4


def test_more_spans_than_tasks_are_kept_not_lost():
    rows = SpanRows(3)
    for first in (0, 3):
        _, starts, ends, ok, on_cpu = _chunk(first, 3, float(first))
        rows.add_chunk(first, 1, "t", starts, ends, ok, on_cpu)
    assert list(rows.table().task) == [0, 1, 2, 3, 4, 5]


def test_a_column_of_the_wrong_type_is_refused_before_anything_is_written():
    rows = SpanRows(2)
    with pytest.raises(TypeError, match="cannot take 1 of .q."):
        rows.add_chunk(0, 1, "t", array("q", [1]), array("d", [2.0]), array("b", [1]))
    assert rows.filled == 0 and len(rows.table()) == 0


def test_an_empty_map_gives_an_empty_table():
    assert len(SpanRows(0).table()) == 0
