"""A run's task spans as a Chrome / Perfetto trace (the JSON "Trace Event Format").

Open the file in https://ui.perfetto.dev or chrome://tracing: one process track per worker
pid, one thread track per thread name, a complete ("X") event per task with times in
microseconds since the run started, and an instant ("i") event per error record.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from ..records import ErrorRecord, measurement_label
from .report import RunEntry, RunReport

US = 1e6


def chrome_trace(report: RunReport) -> dict[str, Any]:
    """The trace document for ``report``: ``{"traceEvents": [...], ...}``."""
    tracks = _Tracks()
    events: list[dict[str, Any]] = []
    for entry in report.runs:
        events.extend(_task_events(entry, report.origin, tracks))
    events.extend(_error_event(record, report, tracks) for record in report.errors)
    return {
        "traceEvents": tracks.metadata() + events,
        "displayTimeUnit": "ms",
        "otherData": {
            "scenario": report.scenario,
            "params": {key: str(value) for key, value in report.params.items()},
            "state": report.state,
            "python": str(report.environment.get("python", "")),
            "start_method": str(report.environment.get("start_method", "")),
        },
    }


def write_trace(report: RunReport, path: str | os.PathLike[str]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(chrome_trace(report), handle)


def entry_label(entry: RunEntry) -> str:
    m = entry.measurement
    return measurement_label(m.series, m.backend, m.pool_size, m.repeat)


class _Tracks:
    """Integer thread ids per (pid, thread name), and the metadata events naming them."""

    def __init__(self) -> None:
        self._tids: dict[tuple[int, str], int] = {}
        self._threads_per_pid: dict[int, int] = {}

    def tid(self, pid: int, thread: str) -> int:
        key = (pid, thread or "MainThread")
        tid = self._tids.get(key)
        if tid is None:
            # Linux numbers a process's main thread with its pid; other threads count from 1.
            count = self._threads_per_pid.setdefault(pid, 0)
            if key[1] == "MainThread":
                tid = pid
            else:
                tid = self._threads_per_pid[pid] = count + 1
            self._tids[key] = tid
        return tid

    def metadata(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for index, pid in enumerate(sorted(self._threads_per_pid)):
            events.append(_meta("process_name", pid, 0, {"name": f"worker pid {pid}"}))
            events.append(_meta("process_sort_index", pid, 0, {"sort_index": index}))
        for (pid, thread), tid in self._tids.items():
            events.append(_meta("thread_name", pid, tid, {"name": thread}))
        return events


def _meta(name: str, pid: int, tid: int, args: dict[str, Any]) -> dict[str, Any]:
    return {"ph": "M", "name": name, "pid": pid, "tid": tid, "args": args}


def _task_events(entry: RunEntry, origin: float, tracks: _Tracks) -> list[dict[str, Any]]:
    label = entry_label(entry)
    m = entry.measurement
    spans = entry.spans
    events = []
    for index in range(len(spans)):
        pid, ok = spans.pid[index], bool(spans.ok[index])
        thread = spans.threads[spans.thread_index[index]]
        start, end = spans.start[index], spans.end[index]
        event = {
            "ph": "X",
            "name": f"task {spans.task[index]}" + ("" if ok else " (failed)"),
            "cat": f"{m.series},{m.backend}",
            "ts": round((start - origin) * US, 3),
            "dur": round(max(end - start, 0.0) * US, 3),
            "pid": pid,
            "tid": tracks.tid(pid, thread),
            "args": {"measurement": label, "task": spans.task[index], "ok": ok},
        }
        if not ok:
            event["cname"] = "terrible"  # chrome://tracing's reserved red
        events.append(event)
    return events


def _error_event(record: ErrorRecord, report: RunReport, tracks: _Tracks) -> dict[str, Any]:
    """An instant event on the failing worker's track when the span is known, else global."""
    span = _failed_span(record, report)
    args = {
        "type": record.type,
        "message": record.message,
        "origin": record.origin,
        "worker": record.worker,
        "context": record.context,
    }
    event: dict[str, Any] = {
        "ph": "i",
        "name": f"{record.type}: {record.message}"[:200],
        "cat": "error",
        "args": args,
    }
    if span is not None:
        pid, thread, end = span
        event.update(
            s="t", pid=pid, tid=tracks.tid(pid, thread), ts=round((end - report.origin) * US, 3)
        )
        return event
    event.update(s="g", pid=record.pid or 0, tid=0, ts=round(_error_offset(record, report) * US, 3))
    return event


def _failed_span(record: ErrorRecord, report: RunReport) -> tuple[int, str, float] | None:
    """(pid, thread, end) of the failed task ``record`` is about, searched in its measurement."""
    if record.task is None:
        return None
    entries = [e for e in report.runs if entry_label(e) == record.context] or report.runs
    for entry in entries:
        spans = entry.spans
        for index in range(len(spans)):
            if spans.task[index] == record.task and not spans.ok[index]:
                return spans.pid[index], spans.threads[spans.thread_index[index]], spans.end[index]
    return None


def _error_offset(record: ErrorRecord, report: RunReport) -> float:
    """Seconds from run start to ``record`` by the wall clock, kept inside the run.

    Error records carry ``time.time()``; the run's origin is ``perf_counter()``. Both clocks
    advance together within a boot, so the offset is the wall-clock time of the origin.
    """
    wall_origin = time.time() - (time.perf_counter() - report.origin)
    offset = record.time - wall_origin
    return min(max(offset, 0.0), max(report.duration_s, 0.0))
