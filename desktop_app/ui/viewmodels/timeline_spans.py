"""The timeline's data side: one measurement's spans as numpy columns, and the merging of
tasks narrower than a pixel. Plain numpy, kept apart from the widget (task_timeline.py).
"""

from __future__ import annotations

import numpy as np

from ...engine.records import SpanTable, worker_label


class MeasurementSpans:
    """The spans of one measurement as numpy columns, with a stable row per worker."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.rows: dict[str, int] = {}
        self.row_pids: list[int] = []
        self._pending = SpanTable()  # spans since the last consolidate, copied in on arrival
        self.task = np.zeros(0, np.int64)
        self.start = np.zeros(0)
        self.end = np.zeros(0)
        self.row = np.zeros(0, np.int32)
        self.ok = np.zeros(0, bool)
        self._order: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.task) + len(self._pending)

    def add(self, table: SpanTable) -> None:
        # One pending table for every batch: consolidating then costs one pass, not one per batch.
        self._pending.extend(table)

    def row_for(self, label: str, pid: int) -> int:
        row = self.rows.get(label)
        if row is None:
            row = self.rows[label] = len(self.rows)
            self.row_pids.append(pid)
        return row

    def consolidate(self) -> None:
        """Append the pending spans to the columns."""
        if not len(self._pending):
            return
        new = self._columns(self._pending)
        self._pending = SpanTable()
        self._order = None
        self.task, self.start, self.end, self.row, self.ok = (
            np.concatenate([old, part])
            for old, part in zip(
                (self.task, self.start, self.end, self.row, self.ok), new, strict=True
            )
        )

    def sorted_order(self) -> np.ndarray:
        """Indices sorting the spans by (row, start), cached until new spans arrive.

        A worker runs one task after another, so spans usually arrive in start order per row
        and a stable (radix) sort on the small row number is enough; checked, else a lexsort.
        """
        if self._order is None:
            order = np.argsort(self.row.astype(np.uint16), kind="stable")
            start, row = self.start[order], self.row[order]
            backwards = (np.diff(start) < 0) & (row[1:] == row[:-1])
            self._order = np.lexsort((self.start, self.row)) if backwards.any() else order
        return self._order

    def _columns(self, table: SpanTable) -> tuple[np.ndarray, ...]:
        pid = np.array(table.pid, np.int64)
        thread = np.array(table.thread_index, np.int64)
        return (
            np.array(table.task, np.int64),
            np.array(table.start, float),
            np.array(table.end, float),
            self._rows_of(pid, thread, table.threads),
            np.array(table.ok, bool),
        )

    def _rows_of(self, pid: np.ndarray, thread: np.ndarray, threads: list[str]) -> np.ndarray:
        """The row of every span. A worker reports its tasks in chunks, so the (pid, thread)
        key is found per run of equal keys: ``np.unique`` over all 100,000 keys of a batch
        sorted them, 3-6 ms of the GUI thread."""
        n = len(pid)
        if n == 0:
            return np.zeros(0, np.int32)
        key = (pid << 16) | thread
        run_starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        keys, run_key = np.unique(key[run_starts], return_inverse=True)
        rows = np.array(
            [
                self.row_for(worker_label(int(k >> 16), threads[int(k & 0xFFFF)]), int(k >> 16))
                for k in keys
            ],
            np.int32,
        )
        return np.repeat(rows[run_key.ravel()], np.diff(np.r_[run_starts, n]))


def merge_runs(start: np.ndarray, end: np.ndarray, row: np.ndarray, pixel: float) -> tuple:
    """Merge (row, start)-sorted spans closer than a pixel, unless a span is a few pixels wide.

    Returns the merged (start, end, row), the index of each segment's first span and whether
    the segment is a single span (those keep their alternating shade).
    """
    n = len(start)
    if n == 0:
        empty = np.zeros(0)
        return empty, empty, empty, np.zeros(0, np.int64), np.zeros(0, bool)
    new = np.ones(n, bool)
    new[1:] = (
        (row[1:] != row[:-1]) | (start[1:] - end[:-1] >= pixel) | (end[1:] - start[1:] >= 3 * pixel)
    )
    first = np.flatnonzero(new)
    seg_end = np.maximum.reduceat(end, first)
    single = np.diff(np.append(first, n)) == 1
    return start[first], seg_end, row[first], first, single


def alternate_in_row(row: np.ndarray) -> np.ndarray:
    """For bars sorted by (row, start): True for every second bar of its row.

    The shade alternates by position along the row, not by task number: a worker that ran
    tasks 0 and 4 back to back showed one long bar when both were "even" (issue 13).
    """
    n = len(row)
    if n == 0:
        return np.zeros(0, bool)
    index = np.arange(n)
    new_row = np.r_[True, row[1:] != row[:-1]]
    row_first = np.maximum.accumulate(np.where(new_row, index, 0))
    return (index - row_first) % 2 == 1


def format_seconds(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"
