"""The timeline's data side: one measurement's spans as numpy columns, the bars to draw (tasks
narrower than a pixel merged, shades alternating along a row, running tasks, each bar filled to
its on-CPU share over a paler bar for its waiting) and the hover text. Plain numpy, kept apart
from the widget (task_timeline.py).
"""

from __future__ import annotations

import numpy as np

from ...engine.records import SpanTable, worker_label


class MeasurementSpans:
    """The spans of one measurement as numpy columns, with a stable row per worker."""

    def __init__(self, label: str, waiting: str = "waiting") -> None:
        self.label = label
        self.waiting = waiting  # what the tasks waited for when off a CPU (waiting_for)
        self.rows: dict[str, int] = {}
        self.row_pids: list[int] = []
        # Rows made for a task still running before any span of its worker arrived, which
        # names only its pid: the worker's first finished span takes the row over (renames it),
        # so one worker never shows as two rows ("pid 7" and "pid 7 thread-1").
        self._placeholders: dict[int, str] = {}
        self._pending = SpanTable()  # spans since the last consolidate, copied in on arrival
        self.task = np.zeros(0, np.int64)
        self.start = np.zeros(0)
        self.end = np.zeros(0)
        self.row = np.zeros(0, np.int32)
        self.ok = np.zeros(0, bool)
        self.on_cpu = np.zeros(0)  # share of each task's time on a CPU; < 0: not measured
        self._order: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.task) + len(self._pending)

    def add(self, table: SpanTable) -> None:
        # One pending table for every batch: consolidating then costs one pass, not one per batch.
        self._pending.extend(table)

    def row_for(self, label: str, pid: int) -> int:
        """The row of a worker's finished spans, made on its first. A placeholder of its pid
        (see __init__) that holds no span becomes this row, or goes if the worker has one: a
        worker whose next task was reported started before its last one's span arrived (a
        Dask worker's start event overtakes its previous result) is listed twice as running,
        and the second entry's row would never be taken over."""
        row = self.rows.get(label)
        placeholder = self._placeholders.pop(pid, None)
        if placeholder is not None and placeholder != label and self._empty(placeholder):
            if row is None:  # the running task's row becomes this one
                row = self.rows[label] = self.rows.pop(placeholder)
                self.rows = dict(sorted(self.rows.items(), key=lambda item: item[1]))
            else:
                self._drop_row(placeholder)
                row = self.rows[label]
        if row is None:
            row = self._new_row(label, pid)
        return row

    def _empty(self, label: str) -> bool:
        position = self.rows.get(label)
        return position is not None and not bool((self.row == position).any())

    def _drop_row(self, label: str) -> None:
        position = self.rows.pop(label)
        self.rows = {name: row - (row > position) for name, row in self.rows.items()}
        self.row[self.row > position] -= 1
        del self.row_pids[position]
        self._order = None

    def _new_row(self, label: str, pid: int) -> int:
        """A worker's row: at the end, or, for a worker named by its host (a Dask worker,
        ``pid 7 10.0.0.5:40331``), right after the last row of the same host, so a cluster's
        rows are grouped by machine whatever order their first spans arrive in."""
        host = host_of(label)
        position = len(self.rows)
        if host:
            same = [row for name, row in self.rows.items() if host_of(name) == host]
            position = max(same) + 1 if same else position
        if position < len(self.rows):  # make room: the rows below move down by one
            self.rows = {name: row + (row >= position) for name, row in self.rows.items()}
            self.row[self.row >= position] += 1
            self._order = None
        self.row_pids.insert(position, pid)
        self.rows[label] = position
        self.rows = dict(sorted(self.rows.items(), key=lambda item: item[1]))
        return position

    def placeholder_row(self, pid: int) -> int:
        """A row for a running task of ``pid`` whose worker has no row yet (see __init__)."""
        label = self._placeholders.setdefault(pid, worker_label(pid, ""))
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
        self.task, self.start, self.end, self.row, self.ok, self.on_cpu = (
            np.concatenate([old, part])
            for old, part in zip(
                (self.task, self.start, self.end, self.row, self.ok, self.on_cpu), new, strict=True
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
            np.array(table.on_cpu, float),
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
        labels = [worker_label(int(k >> 16), threads[int(k & 0xFFFF)]) for k in keys]
        for label, k in zip(labels, keys, strict=True):
            self.row_for(label, int(k >> 16))
        # Read after every row exists: a host's new row may have moved the ones below it.
        rows = np.array([self.rows[label] for label in labels], np.int32)
        return np.repeat(rows[run_key.ravel()], np.diff(np.r_[run_starts, n]))


def host_of(label: str) -> str:
    """The host a worker label names (``pid 7 10.0.0.5:40331`` -> ``10.0.0.5``), else ""."""
    last = label.rpartition(" ")[2]
    host, colon, port = last.rpartition(":")
    return host if colon and host and port.isdigit() else ""


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


# start, end (s since the run's start), row; the finished kinds add how much of the bar's
# height to fill (its on-CPU share; 1 where not measured)
Bars = tuple[np.ndarray, ...]


def segment_shares(
    start: np.ndarray, end: np.ndarray, on_cpu: np.ndarray, first: np.ndarray
) -> np.ndarray:
    """The on-CPU share of each merged segment (spans ``first[i]`` up to ``first[i + 1]``):
    its measured spans' CPU time over their wall time, clipped to [0, 1]; 1 where none of its
    spans was measured (the bar is drawn full, as before CPU time was recorded)."""
    if not len(first):
        return np.zeros(0)
    known = on_cpu >= 0
    wall = np.where(known, np.maximum(end - start, 0.0), 0.0)
    cpu = np.where(known, on_cpu, 0.0) * wall
    seg_wall = np.add.reduceat(wall, first)
    seg_cpu = np.add.reduceat(cpu, first)
    seg_known = np.add.reduceat(known.astype(np.int64), first) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(seg_wall > 0, seg_cpu / np.where(seg_wall > 0, seg_wall, 1.0), 1.0)
    return np.where(seg_known, np.clip(share, 0.0, 1.0), 1.0)


def lod_bars(shown: MeasurementSpans, origin: float, pixel: float) -> dict[str, Bars]:
    """Bars to draw, with tasks narrower than a few pixels merged with their neighbours.

    Drawing 100,000 sub-pixel rectangles costs ~55 ms a frame and shows nothing more than
    the few thousand merged ones (at most a rectangle per pixel per row). The ok bars split in
    two shades by their position along the row, so neighbours never read as one bar.
    """
    order = shown.sorted_order()
    start, end = shown.start[order] - origin, shown.end[order] - origin
    row, ok, on_cpu = shown.row[order], shown.ok[order], shown.on_cpu[order]
    data: dict[str, Bars] = {}
    waiting: list[Bars] = []  # the pale full-height bars behind the filled ones
    for name, mask in (("ok", ok), ("failed", ~ok)):
        s, e, r, first, _single = merge_runs(start[mask], end[mask], row[mask], pixel)
        fill = segment_shares(start[mask], end[mask], on_cpu[mask], first)
        e = np.maximum(e, s + pixel)  # a microsecond task still shows as a pixel
        if name == "failed":
            data[name] = (s, e, r, fill)
            waiting.append((s[fill < 1], e[fill < 1], r[fill < 1]))
            continue
        alt = alternate_in_row(r)
        data["ok"] = (s[~alt], e[~alt], r[~alt], fill[~alt])
        data["ok_alt"] = (s[alt], e[alt], r[alt], fill[alt])
        # the waiting parts alternate too: tasks that mostly waited still read as separate bars
        waits = fill < 1
        waiting.append((s[waits & ~alt], e[waits & ~alt], r[waits & ~alt]))
        data["waiting_alt"] = (s[waits & alt], e[waits & alt], r[waits & alt])
    data["waiting"] = tuple(np.concatenate(parts) for parts in zip(*waiting, strict=True))
    return data


def running_bars(shown: MeasurementSpans, running: tuple, now: float, origin: float) -> Bars:
    """Bars for tasks running now, given as (pid, task, start): from their start to ``now``.
    A thread pool reports only its pid, so each takes a free row of that pid."""
    taken: set[int] = set()
    starts, ends, rows = [], [], []
    for pid, _task, begun in sorted(running, key=lambda r: r[2]):
        candidates = [r for r, p in enumerate(shown.row_pids) if p == pid and r not in taken]
        row = candidates[0] if candidates else shown.placeholder_row(pid)
        taken.add(row)
        starts.append(begun - origin)
        ends.append(max(now, begun) - origin)
        rows.append(row)
    return np.array(starts), np.array(ends), np.array(rows)


def describe_span(
    shown: MeasurementSpans, x: float, y: float, pixel: float, origin: float, bar_height: float
) -> str:
    """Hover text for the task at (``x`` s since the run's start, row ``y``), or '' when none
    is within three pixels: a vectorised search over the row's spans, no per-bar items."""
    if not len(shown.task):
        return ""
    row = int(round(y))
    if abs(y - row) > bar_height / 2 or not 0 <= row < len(shown.rows):
        return ""
    x += origin
    in_row = np.flatnonzero(shown.row == row)
    gap = np.maximum(shown.start[in_row] - x, 0) + np.maximum(x - shown.end[in_row], 0)
    if not len(gap) or gap.min() > 3 * pixel:
        return ""
    index = in_row[int(np.argmin(gap))]
    worker = list(shown.rows)[row]
    duration = shown.end[index] - shown.start[index]
    outcome = "ok" if shown.ok[index] else "failed"
    share = shown.on_cpu[index]
    cpu = ""
    if share >= 0:
        share = min(float(share), 1.0)
        cpu = (
            f" · on a CPU {share:.0%} ({format_seconds(share * max(duration, 0.0))}), "
            f"{shown.waiting} {1 - share:.0%}"
        )
    return (
        f"task {shown.task[index]} · {worker} · {format_seconds(duration)} · {outcome}{cpu} "
        f"({shown.start[index] - origin:.3f}–{shown.end[index] - origin:.3f} s)"
    )
