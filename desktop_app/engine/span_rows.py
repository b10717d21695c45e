"""A map's span table, allocated once at its task count and filled chunk by chunk.

Why not :meth:`SpanTable.extend_chunk` on one growing table: with a million trivial tasks in
eight chunks, every column grew eight times, each growth reallocating (and, on this VM,
faulting in) the whole column again; that was 40 ms of the parent's 90 ms of CPU a map and
held the lab well under a bare ``Pool.map``'s throughput (docs/benchmarks.md, issue 14). Here
each column is allocated once at its final size and a chunk's columns are copied straight into
their rows, in the order chunks arrive (so the filled rows are always a prefix, and a cancelled
map's table is that prefix).
"""

from __future__ import annotations

from array import array

from .records import SpanTable


class SpanRows:
    """Rows for ``capacity`` spans; :meth:`table` gives the filled ones as a :class:`SpanTable`."""

    def __init__(self, capacity: int) -> None:
        self._table = SpanTable()
        self.capacity = capacity
        self.filled = 0
        if capacity:
            for name in SpanTable.COLUMNS:
                column = getattr(self._table, name)
                setattr(self._table, name, array(column.typecode, [0]) * capacity)

    def add_chunk(
        self,
        first: int,
        pid: int,
        thread: str,
        starts: array | memoryview,
        ends: array | memoryview,
        ok: array | memoryview,
        on_cpu: array | memoryview | None = None,
    ) -> tuple[int, int]:
        """Copy a chunk of tasks ``first, first + 1, …`` into the next free rows (arguments as
        :meth:`SpanTable.extend_chunk`'s); returns the (start, stop) rows it took."""
        table, count, row = self._table, len(starts), self.filled
        views = table.chunk_views(first, count, starts, ends, ok, on_cpu)
        if row + count > self.capacity:  # more spans than tasks: never lose any
            self._trim()
            table.extend_chunk(first, pid, thread, starts, ends, ok, on_cpu)
            self.filled = self.capacity = len(table)
            return row, self.filled
        _put(table.pid, row, array("i", [pid]) * count)
        _put(table.thread_index, row, array("H", [table._thread_id(thread)]) * count)
        for name, view in views:
            _put(getattr(table, name), row, view)
        self.filled = row + count
        return row, self.filled

    def part(self, start: int, stop: int) -> SpanTable:
        """A copy of the rows ``start`` to ``stop - 1`` (for a live feed of a chunk)."""
        return self._table.part(start, stop)

    def table(self) -> SpanTable:
        """The filled rows as a table (rows never filled, by a cancel, are dropped)."""
        self._trim()
        return self._table

    def _trim(self) -> None:
        if self.filled < self.capacity:
            for name in SpanTable.COLUMNS:
                del getattr(self._table, name)[self.filled :]
            self.capacity = self.filled


def _put(column: array, row: int, values: array | memoryview) -> None:
    """Copy ``values`` (same item type) into ``column`` from ``row`` on, in one memmove."""
    size = column.itemsize
    memoryview(column).cast("B")[row * size : (row + len(values)) * size] = memoryview(values).cast(
        "B"
    )
