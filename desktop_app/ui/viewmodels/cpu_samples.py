"""The CPU view's data side: what the lab's own processes use apart from the rest of the
machine, sampled on a thread of its own, and a history that keeps its gaps.

The lab is this process and everything it started (the run host and its workers, found as
descendants with psutil). Finding them scans ``/proc`` and reading each costs a file read, so
sampling runs on a :class:`SamplerThread`, never on the GUI thread; the view only drains what
arrived. Plain Python and psutil, no Qt.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass
from typing import cast

import numpy as np
import psutil

GAP_FACTOR = 2.5  # samples further apart than this many intervals are drawn with a gap
# Listing the lab's processes scans every pid in /proc (Python code holding the GIL for a few
# milliseconds on a busy machine); between listings the known processes are read directly.
# A worker that starts is counted from the next listing, at most this long after.
LIST_EVERY_S = 1.0


@dataclass(frozen=True, slots=True)
class CpuSample:
    """One reading: when (``time.monotonic()``), per-core use, and the lab's share of it."""

    time: float
    per_core: tuple[float, ...]  # percent of each logical core, all programs
    lab_cores: float  # cores' worth used by the lab's processes
    other_cores: float  # cores' worth used by every other program
    lab_processes: int  # this app, its run host and workers alive at the reading


class CpuSampler:
    """Reads the machine and the lab's processes; every call measures since the previous one.

    ``psutil`` compares CPU times against the previous call on the same ``Process`` object, so
    the objects are kept by pid (a reused pid is a new process: its create time differs).
    """

    def __init__(self, root_pid: int | None = None, list_every_s: float = LIST_EVERY_S) -> None:
        self._root = psutil.Process(root_pid or os.getpid())
        self._list_every = list_every_s
        self._procs: dict[int, psutil.Process] = {}
        self._listed = -float("inf")  # time.monotonic() of the last listing
        self.cores = psutil.cpu_count(logical=True) or 1
        psutil.cpu_percent(percpu=True)  # prime: the first call has nothing to compare against
        self._lab_percent()

    def sample(self) -> CpuSample:
        per_core = list(psutil.cpu_percent(percpu=True))[: self.cores]
        per_core += [0.0] * (self.cores - len(per_core))
        lab_percent, count = self._lab_percent()
        total = sum(per_core) / 100.0
        lab = min(lab_percent / 100.0, float(self.cores))
        return CpuSample(time.monotonic(), tuple(per_core), lab, max(0.0, total - lab), count)

    def _lab_percent(self) -> tuple[float, int]:
        """Percent of one core used by the lab's processes since the last call, and how many."""
        now = time.monotonic()
        procs = [self._root, *(p for pid, p in self._procs.items() if pid != self._root.pid)]
        if now - self._listed >= self._list_every:
            self._listed = now
            try:
                procs = [self._root, *self._root.children(recursive=True)]
            except psutil.Error:
                pass
        alive: dict[int, psutil.Process] = {}
        percent = 0.0
        for proc in procs:
            kept = self._procs.get(proc.pid)
            if kept is not None and kept == proc:  # same pid and create time
                proc = kept
            try:
                percent += proc.cpu_percent(None)  # 0.0 on a process's first reading
            except psutil.Error:
                continue  # it ended between the listing and the reading
            alive[proc.pid] = proc
        self._procs = alive
        return percent, len(alive)


class SamplerThread:
    """Samples every ``interval_s`` on a worker thread into a queue the GUI thread drains.

    The thread holds only a weak reference to this object: a view deleted without being closed
    (its owner dropped it) drops this too, and the thread ends at its next tick.
    """

    def __init__(self, sampler: CpuSampler, interval_s: float) -> None:
        self._sampler = sampler
        self._interval = interval_s
        self._samples: queue.SimpleQueue[CpuSample] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop = threading.Event()  # a fresh one: a thread still ending keeps its own
        self._thread = threading.Thread(
            target=_sample_loop,
            args=(weakref.ref(self), self._stop, self._interval),
            name="cpu-sampler",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop and join (a reading takes milliseconds; the wait is bounded anyway)."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join(timeout=2.0)

    def is_running(self) -> bool:
        return self._thread is not None

    def drain(self) -> list[CpuSample]:
        out = []
        while True:
            try:
                out.append(self._samples.get_nowait())
            except queue.Empty:
                return out

    def stop_event(self) -> threading.Event:
        """Set it to end the thread without joining (from a destroyed signal)."""
        return self._stop

    def __del__(self) -> None:
        self._stop.set()


def _sample_loop(owner: weakref.ref, stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        sampler = owner()
        if sampler is None:
            return
        sampler._samples.put(sampler._sampler.sample())
        del sampler  # no strong reference between ticks


class CpuHistory:
    """The last ``keep_s`` seconds of samples and the runs' spans, on ``time.monotonic()``."""

    def __init__(self, keep_s: float, interval_s: float) -> None:
        self._keep = keep_s
        self._gap = GAP_FACTOR * interval_s
        self.samples: deque[CpuSample] = deque()
        self.runs: deque[list[float | None]] = deque(maxlen=8)  # [start, end or None]

    def add(self, sample: CpuSample) -> None:
        self.samples.append(sample)
        while self.samples and self.samples[0].time < sample.time - self._keep:
            self.samples.popleft()

    def run_started(self, now: float) -> None:
        self.runs.append([now, None])

    def run_ended(self, now: float) -> None:
        if self.runs and self.runs[-1][1] is None:
            self.runs[-1][1] = now

    def series(self, now: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(seconds before ``now``, lab cores, all busy cores) with a NaN where sampling
        paused (the view was hidden and no run went on): a line never joins across a gap."""
        times, lab, total = [], [], []
        previous = None
        for s in self.samples:
            if previous is not None and s.time - previous > self._gap:
                times.append(0.5 * (s.time + previous) - now)
                lab.append(np.nan)
                total.append(np.nan)
            times.append(s.time - now)
            lab.append(s.lab_cores)
            total.append(s.lab_cores + s.other_cores)
            previous = s.time
        return np.array(times), np.array(lab), np.array(total)

    def run_spans(self, now: float) -> list[tuple[float, float]]:
        """The runs as (start, end) in seconds before ``now``; a run going on ends now."""
        spans = [(cast(float, start), end) for start, end in self.runs]  # a start is always set
        return [(start - now, (end if end is not None else now) - now) for start, end in spans]
