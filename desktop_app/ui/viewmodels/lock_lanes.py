"""The timeline's lock lanes, data side: per thread and lock, when it waited and when it held.

A lesson that traces its locks (engine/lock_events.py) hands one :class:`LockLog` per
measurement. Each (thread, lock) pair gets a lane below the worker rows, ordered as the
workers are; each acquire becomes a waiting bar (request to acquisition, or to giving up) and
a holding bar (acquisition to release). Lost updates are marked on the writer's own worker row,
a tick where the write that was later overwritten landed. Plain numpy, kept apart from the widget
(plots/lock_overlay.py).
"""

from __future__ import annotations

import math

import numpy as np

from ...engine.lock_events import LockLog
from ...engine.records import worker_label
from .timeline_spans import format_seconds, merge_runs

Bars = tuple[np.ndarray, np.ndarray, np.ndarray]  # start, end, row (seconds since run start)


class LockLanes:
    """One measurement's holds and lost updates as numpy columns, with a lane per
    (worker, lock)."""

    def __init__(self, log: LockLog) -> None:
        self.log = log
        labels = [worker_label(pid, thread) for pid, thread in log.workers]
        # (worker, lock) pairs, as one number each: worker * locks + lock
        pair = np.frombuffer(log.hold_worker, np.uint16).astype(int) * max(len(log.locks), 1)
        pair += np.frombuffer(log.hold_lock, np.uint16)
        present = np.unique(pair)
        width = max(len(log.locks), 1)
        keys = [(labels[p // width], log.locks[p % width]) for p in present]
        self.lane_keys: list[tuple[str, str]] = sorted(keys)
        lane_of = {key: self.lane_keys.index(key) for key in keys}
        lookup = np.array([lane_of[key] for key in keys], int)
        self.lane = lookup[np.searchsorted(present, pair)] if len(pair) else np.zeros(0, int)
        self.requested = np.frombuffer(log.requested, float)
        self.acquired = np.frombuffer(log.acquired, float)
        self.released = np.frombuffer(log.released, float)
        self.lost_worker = [labels[i] for i in log.lost_worker]
        self.lost_read = np.frombuffer(log.lost_read, float)
        self.lost_write = np.frombuffer(log.lost_write, float)

    def lanes_in_order(self, workers: list[str]) -> list[tuple[str, str]]:
        """The lanes sorted by their worker's row (workers with no row last), then lock."""
        rank = {label: row for row, label in enumerate(workers)}
        return sorted(self.lane_keys, key=lambda key: (rank.get(key[0], len(rank)), key))

    def labels(self, workers: list[str]) -> list[str]:
        """The lanes' axis labels: ``"Lock · producer"`` (the worker's thread name)."""
        return [f"{lock} · {_thread_of(worker)}" for worker, lock in self.lanes_in_order(workers)]

    def _rows(self, workers: list[str]) -> np.ndarray:
        """The plot row of each lane: below the ``workers`` rows, in ``lanes_in_order``."""
        order = self.lanes_in_order(workers)
        at = {key: len(workers) + position for position, key in enumerate(order)}
        return np.array([at[key] for key in self.lane_keys], int)

    def bars(self, workers: list[str], origin: float, pixel: float) -> dict[str, Bars]:
        """Bars per kind ("lock_wait", "lock_hold", "lock_gave_up", "lost"), each at least a
        pixel wide so a microsecond's hold still shows."""
        rows = self._rows(workers)[self.lane] if len(self.lane) else np.zeros(0, int)
        gave_up = np.isnan(self.acquired)
        got = ~gave_up
        wait_end = np.where(gave_up, self.released, self.acquired)
        out = {
            "lock_wait": _bar(self.requested[got], wait_end[got], rows[got], origin, pixel),
            "lock_hold": _bar(self.acquired[got], self.released[got], rows[got], origin, pixel),
            "lock_gave_up": _bar(
                self.requested[gave_up], wait_end[gave_up], rows[gave_up], origin, pixel
            ),
        }
        rank = {label: row for row, label in enumerate(workers)}
        lost_rows = np.array([rank.get(w, -1) for w in self.lost_worker], int)
        shown = lost_rows >= 0
        # A tick where the overwritten write landed: the read-to-write windows of a flat-out
        # race overlap into one solid strip; the hover names the window.
        write = self.lost_write[shown]
        out["lost"] = _bar(write - pixel / 2, write - pixel / 2, lost_rows[shown], origin, pixel)
        return out

    def describe(self, workers: list[str], x: float, y: float, pixel: float, origin: float) -> str:
        """Hover text for the lane bar or lost update at (x, y), '' when none is there."""
        row = int(round(y))
        t = x + origin
        slack = 2 * pixel
        if row >= len(workers):
            return self._describe_hold(workers, row, t, slack)
        if 0 <= row < len(workers) and len(self.lost_write):
            return self._describe_lost(workers[row], t, slack)
        return ""

    def _describe_hold(self, workers: list[str], row: int, t: float, slack: float) -> str:
        order = self.lanes_in_order(workers)
        position = row - len(workers)
        if not 0 <= position < len(order):
            return ""
        worker, lock = order[position]
        lane = self.lane_keys.index((worker, lock))
        near = (self.lane == lane) & (self.requested - slack <= t) & (t <= self.released + slack)
        found = np.flatnonzero(near)
        if not len(found):
            return ""
        i = found[np.argmin(np.abs((self.requested[found] + self.released[found]) / 2 - t))]
        return describe_hold(
            _thread_of(worker),
            lock,
            self.requested[i],
            self.acquired[i],
            self.released[i],
        )

    def _describe_lost(self, worker: str, t: float, slack: float) -> str:
        mine = np.array([w == worker for w in self.lost_worker], bool)
        read = np.where(np.isnan(self.lost_read), self.lost_write, self.lost_read)
        near = mine & (read - slack <= t) & (t <= self.lost_write + slack)
        found = np.flatnonzero(near)
        if not len(found):
            return ""
        i = found[np.argmin(np.abs(self.lost_write[found] - t))]
        total = len(self.lost_write)
        return (
            f"Lost update by {_thread_of(worker)}: read the counter, another thread wrote it, "
            f"then this write was overwritten by one based on an older read "
            f"(read → write {format_seconds(self.lost_write[i] - read[i])}; "
            f"{total:,} lost in this measurement)"
        )


def describe_hold(thread: str, lock: str, requested: float, acquired: float, released: float):
    """``"producer waited 1.2 ms for Lock, then held it 40 µs"`` (or gave up after …)."""
    if math.isnan(acquired):
        return f"{thread} waited {format_seconds(released - requested)} for {lock} and gave up"
    return (
        f"{thread} waited {format_seconds(acquired - requested)} for {lock}, "
        f"then held it {format_seconds(released - acquired)}"
    )


def max_holders_at_once(lanes: LockLanes, lock: str) -> int:
    """The most holders of ``lock`` at one moment, from the drawn columns (tests, legend)."""
    keys = {lane for lane, (_, name) in enumerate(lanes.lane_keys) if name == lock}
    mask = np.isin(lanes.lane, list(keys)) & ~np.isnan(lanes.acquired)
    times = np.concatenate([lanes.acquired[mask], lanes.released[mask]])
    steps = np.concatenate([np.ones(mask.sum(), int), -np.ones(mask.sum(), int)])
    order = np.lexsort((steps, times))  # a release before an acquire at the same instant
    return int(np.max(np.cumsum(steps[order]), initial=0))


def _bar(start: np.ndarray, end: np.ndarray, row: np.ndarray, origin: float, pixel: float) -> Bars:
    """Bars at least a pixel wide; those closer than a pixel in one lane merged into one
    (``merge_runs``): 40,000 holds drew as 80,000 rectangles in 80 ms, merged in a few."""
    start = start - origin
    end = np.maximum(end - origin, start + pixel)
    row = row.astype(float)
    order = np.lexsort((start, row))
    merged = merge_runs(start[order], end[order], row[order], pixel)
    return merged[0], merged[1], merged[2]


def _thread_of(worker: str) -> str:
    """``"pid 12 producer"`` → ``"producer"`` (the main thread: the worker label itself)."""
    parts = worker.split(" ", 2)
    return parts[2] if len(parts) == 3 else worker
