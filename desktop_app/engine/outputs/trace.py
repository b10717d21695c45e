"""A run's task spans as a Chrome / Perfetto trace (the JSON "Trace Event Format"), streamed.

Open the file in https://ui.perfetto.dev or chrome://tracing. Tracks, top to bottom:
"Errors (no task)" when the run has errors not tied to a task, then the run host (the process
that ran the run: threads and serial tasks run there), then each worker process in the order it
started its first task (the first of its spans in the run's order); inside a process,
MainThread first, then threads by first task. A task
is a complete ("X") event, in microseconds since the run started; a failed one is named
"FAILED task N" in red, and each error record is an instant ("i") event on the failing task's
track, or on the errors track. Where the worker measured its CPU time, a task's arguments carry
``cpu_ms`` and its thread gets a counter, "on-CPU share <tid>", from 0 to 1 over each task: the
part of the bar spent waiting (for the GIL, I/O or a lock) is what the counter leaves out.
A lesson that traces its locks (engine/lock_events.py) adds a track per thread and lock,
"producer: Lock", with a "wait Lock" slice from each request to the acquisition and a "hold
Lock" slice to the release, and a "LOST UPDATE" instant on a thread's track where a write of
its was overwritten.
"""

from __future__ import annotations

import json
import os
from typing import Any, TextIO

from ..records import ErrorRecord, SpanTable, measurement_label, shown_share
from .formats import RunFormat, register, same_path
from .report import RunEntry, RunReport
from .writers import Progress, write_atomically

US = 1e6
ERRORS_PID = 0  # a pseudo-process holding the errors that belong to no task
CHUNK = 1_000  # tasks per write: progress and a cancel land between chunks


def entry_label(entry: RunEntry) -> str:
    m = entry.measurement
    return measurement_label(m.series, m.backend, m.pool_size, m.repeat)


def chrome_trace(report: RunReport) -> dict[str, Any]:
    """The trace document for ``report`` in memory (small runs, tests)."""
    import io

    out = io.StringIO()
    write_trace_json(report, out)
    return json.loads(out.getvalue())


def write_trace(report: RunReport, path: str | os.PathLike[str]) -> None:
    write_atomically(path, lambda handle: write_trace_json(report, handle))


def write_trace_json(report: RunReport, handle: TextIO, progress: Progress | None = None) -> None:
    """Write the trace document for ``report`` to ``handle``, a chunk of tasks at a time."""
    if progress is not None:
        progress.add_total(sum(len(entry.spans) for entry in report.runs))
    tracks = _Tracks(report)
    failed = _failed_spans(report)
    unplaced = [r for r in report.errors if _failed_span(r, failed) is None]
    handle.write('{"displayTimeUnit": "ms", "otherData": ')
    handle.write(json.dumps(_other_data(report)))
    handle.write(', "traceEvents": [\n')
    meta = tracks.metadata(has_unplaced_errors=bool(unplaced))
    handle.write(",\n".join(json.dumps(event) for event in meta))
    for entry in report.runs:
        for chunk in _task_chunks(entry, report.origin, tracks):
            handle.write(",\n" + chunk[0])
            if progress is not None:
                progress.tick(chunk[1])
        for text in _lock_chunks(entry, report.origin, tracks):
            handle.write(",\n" + text)
    for record in report.errors:
        handle.write(",\n" + json.dumps(_error_event(record, report, tracks, failed)))
    handle.write("\n]}\n")


def _other_data(report: RunReport) -> dict[str, Any]:
    return {
        "scenario": report.scenario,
        "params": {key: str(value) for key, value in report.params.items()},
        "state": report.state,
        "python": str(report.environment.get("python", "")),
        "start_method": str(report.environment.get("start_method", "")),
    }


class _Tracks:
    """Integer thread ids per (pid, thread name), and the metadata naming and ordering them."""

    def __init__(self, report: RunReport) -> None:
        self._host = report.environment.get("pid")
        self._tids: dict[tuple[int, str], int] = {}
        self._first: dict[tuple[int, str], float] = {}
        self._next_tid: dict[int, int] = {}
        for entry in report.runs:  # who ran, and the start of each one's first task
            spans, names = entry.spans, entry.spans.threads
            workers = zip(spans.pid, spans.thread_index, strict=True)
            remaining = set(dict.fromkeys(workers))  # distinct workers, found in C
            for index, worker in enumerate(zip(spans.pid, spans.thread_index, strict=True)):
                if worker in remaining:  # a few hundred spans in, every worker has shown up
                    remaining.discard(worker)
                    key = (worker[0], names[worker[1]] or "MainThread")
                    start = spans.start[index]
                    self._first[key] = min(start, self._first.get(key, start))
                    if not remaining:
                        break
        for entry in report.runs:  # a traced lock: one track per thread and lock, "T: lock"
            for hold in entry.locks.holds if entry.locks else ():
                key = (hold.pid, lock_track(hold.thread, hold.lock))
                self._first[key] = min(hold.requested, self._first.get(key, hold.requested))
        for pid, thread in sorted(self._first, key=self._first.__getitem__):
            self.tid(pid, thread)

    def tid(self, pid: int, thread: str) -> int:
        key = (pid, thread or "MainThread")
        tid = self._tids.get(key)
        if tid is None:
            # Linux numbers a process's main thread with its pid; other threads count from 1.
            if key[1] == "MainThread":
                tid = pid
            else:
                tid = self._next_tid[pid] = self._next_tid.get(pid, 0) + 1
            self._tids[key] = tid
            self._first.setdefault(key, float("inf"))
        return tid

    def metadata(self, has_unplaced_errors: bool) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        order = 0
        if has_unplaced_errors:
            events.append(_meta("process_name", ERRORS_PID, 0, {"name": "Errors (no task)"}))
            events.append(_meta("process_sort_index", ERRORS_PID, 0, {"sort_index": order}))
            events.append(_meta("thread_name", ERRORS_PID, 0, {"name": "errors"}))
            order += 1
        first_by_pid: dict[int, float] = {}
        for (pid, _thread), start in self._first.items():
            first_by_pid[pid] = min(start, first_by_pid.get(pid, start))
        pids = sorted(first_by_pid, key=lambda pid: (pid != self._host, first_by_pid[pid], pid))
        for pid in pids:
            name = f"run host (pid {pid})" if pid == self._host else f"worker process {pid}"
            events.append(_meta("process_name", pid, 0, {"name": name}))
            events.append(_meta("process_sort_index", pid, 0, {"sort_index": order}))
            order += 1
        threads = sorted(self._tids, key=lambda k: (k[1] != "MainThread", self._first[k], k[1]))
        for index, (pid, thread) in enumerate(threads):
            tid = self._tids[(pid, thread)]
            events.append(_meta("thread_name", pid, tid, {"name": thread}))
            events.append(_meta("thread_sort_index", pid, tid, {"sort_index": index}))
        return events


def _meta(name: str, pid: int, tid: int, args: dict[str, Any]) -> dict[str, Any]:
    return {"ph": "M", "name": name, "pid": pid, "tid": tid, "args": args}


def _task_chunks(entry: RunEntry, origin: float, tracks: _Tracks):
    """The entry's task events as text, ``CHUNK`` at a time: (text, count)."""
    m = entry.measurement
    label = json.dumps(entry_label(entry))
    category = json.dumps(f"{m.series},{m.backend}")
    spans = entry.spans
    tids: dict[tuple[int, int], int] = {}
    for first in range(0, len(spans), CHUNK):
        stop = min(first + CHUNK, len(spans))
        parts = []
        for i in range(first, stop):
            pid, index = spans.pid[i], spans.thread_index[i]
            tid = tids.get((pid, index))
            if tid is None:
                tid = tids[(pid, index)] = tracks.tid(pid, spans.threads[index])
            start, end, task, ok = spans.start[i], spans.end[i], spans.task[i], spans.ok[i]
            ts = round((start - origin) * US, 3)
            dur = round(max(end - start, 0.0) * US, 3)
            if ok:
                name, extra, cat = f"task {task}", "", category
            else:  # a name of its own (Perfetto colours by name) and chrome://tracing's red
                name, extra, cat = f"FAILED task {task}", ', "cname": "terrible"', '"failed"'
            on_cpu = spans.on_cpu[i]
            cpu_ms = on_cpu * max(end - start, 0.0) * 1e3
            cpu_args = "" if on_cpu < 0 else f', "cpu_ms": {round(cpu_ms, 6)}'  # NO_CPU
            parts.append(
                f'{{"ph": "X", "name": "{name}", "cat": {cat}, "ts": {ts}, "dur": {dur}, '
                f'"pid": {pid}, "tid": {tid}{extra}, "args": {{"measurement": {label}, '
                f'"task": {task}, "ok": {"true" if ok else "false"}{cpu_args}}}}}'
            )
            if on_cpu >= 0:
                parts.extend(_cpu_counter(spans, i, tid, ts, round((end - origin) * US, 3)))
        yield ",\n".join(parts), stop - first


def lock_track(thread: str, lock: str) -> str:
    """The name of the track of ``thread``'s waits for and holds of ``lock``."""
    return f"{thread or 'MainThread'}: {lock}"


def _lock_chunks(entry: RunEntry, origin: float, tracks: _Tracks):
    """The entry's traced locks as text, ``CHUNK`` holds at a time: per hold a "wait" slice
    (requested to acquired, or to giving up) and a "hold" slice on the thread's lock track;
    each lost update an instant on the thread's own track, where its write landed."""
    if not entry.locks:
        return
    label = json.dumps(entry_label(entry))
    holds = entry.locks.holds
    for first in range(0, len(holds), CHUNK):
        parts = []
        for hold in holds[first : first + CHUNK]:
            tid = tracks.tid(hold.pid, lock_track(hold.thread, hold.lock))
            head = f'"cat": "lock", "pid": {hold.pid}, "tid": {tid}'
            lock = json.dumps(hold.lock)
            gave_up = hold.acquired != hold.acquired  # NaN: it never got the lock
            until = hold.released if gave_up else hold.acquired
            if until > hold.requested or gave_up:
                name = f"gave up on {hold.lock}" if gave_up else f"wait {hold.lock}"
                parts.append(_slice(name, head, hold.requested, until, origin, lock, label))
            if not gave_up:
                name = f"hold {hold.lock}"
                parts.append(_slice(name, head, hold.acquired, hold.released, origin, lock, label))
        yield ",\n".join(parts)
    lost = [
        json.dumps(
            {
                "ph": "i",
                "s": "t",
                "name": "LOST UPDATE",
                "cat": "lock",
                "cname": "terrible",
                "pid": update.pid,
                "tid": tracks.tid(update.pid, update.thread),
                "ts": round((update.write - origin) * US, 3),
                "args": {"measurement": entry_label(entry), "read_ms": _ms(update.read, origin)},
            }
        )
        for update in entry.locks.lost_updates
    ]
    if lost:
        yield ",\n".join(lost)


def _slice(name: str, head: str, start: float, end: float, origin: float, lock: str, label: str):
    ts, dur = round((start - origin) * US, 3), round(max(end - start, 0.0) * US, 3)
    colour = "grey" if name.startswith("wait") else "bad" if name.startswith("gave") else "good"
    return (
        f'{{"ph": "X", "name": {json.dumps(name)}, {head}, "ts": {ts}, "dur": {dur}, '
        f'"cname": "{colour}", "args": {{"lock": {lock}, "measurement": {label}}}}}'
    )


def _ms(when: float, origin: float) -> float | None:
    return None if when != when else round((when - origin) * 1e3, 6)


def _cpu_counter(spans: SpanTable, i: int, tid: int, ts: float, end_us: float) -> list[str]:
    """The on-CPU share of span ``i`` as a counter track of its thread ("on-CPU <tid>"): the
    task's share from its start, back to 0 at its end unless the same thread's next task starts
    there. The rest of the task's bar is waiting (for the GIL, I/O or a lock)."""
    pid = spans.pid[i]
    share = shown_share(spans.on_cpu[i])
    head = f'{{"ph": "C", "name": "on-CPU share {tid}", "pid": {pid}, "tid": {tid}, "ts": '
    events = [f'{head}{ts}, "args": {{"on_cpu": {round(share, 4)}}}}}']
    following = i + 1 < len(spans) and spans.pid[i + 1] == pid
    if not (
        following
        and spans.thread_index[i + 1] == spans.thread_index[i]
        and spans.start[i + 1] == spans.end[i]
    ):
        events.append(f'{head}{end_us}, "args": {{"on_cpu": 0}}}}')
    return events


def _error_event(
    record: ErrorRecord, report: RunReport, tracks: _Tracks, failed: _Failed
) -> dict[str, Any]:
    """An instant event on the failing worker's track when the span is known, else on the
    "Errors (no task)" track."""
    span = _failed_span(record, failed)
    args = {
        "type": record.type,
        "message": record.message,
        "origin": record.origin,
        "worker": record.worker,
        "context": record.context,
        "traceback": record.traceback,
    }
    event: dict[str, Any] = {
        "ph": "i",
        "s": "t",
        "name": f"ERROR {record.type}: {record.message}"[:200],
        "cat": "error",
        "cname": "terrible",
        "args": args,
    }
    if span is not None:
        pid, thread, end = span
        event.update(pid=pid, tid=tracks.tid(pid, thread), ts=round((end - report.origin) * US, 3))
    else:
        event.update(pid=ERRORS_PID, tid=0, ts=round(_error_offset(record, report) * US, 3))
    return event


_Failed = dict[tuple[str | None, int], tuple[int, str, float]]


def _failed_spans(report: RunReport) -> _Failed:
    """(pid, thread, end) of every failed task, by (measurement label, task) and by task."""
    found: _Failed = {}
    for entry in report.runs:
        spans, label = entry.spans, entry_label(entry)
        flags = spans.ok.tobytes()  # one byte per span: the failed ones found in C
        index = flags.find(0)
        while index >= 0:
            where = (spans.pid[index], spans.threads[spans.thread_index[index]], spans.end[index])
            found.setdefault((label, spans.task[index]), where)
            found.setdefault((None, spans.task[index]), where)
            index = flags.find(0, index + 1)
    return found


def _failed_span(record: ErrorRecord, failed: _Failed) -> tuple[int, str, float] | None:
    """The failed task ``record`` is about, in its own measurement when that is known."""
    if record.task is None:
        return None
    return failed.get((record.context, record.task)) or failed.get((None, record.task))


def _error_offset(record: ErrorRecord, report: RunReport) -> float:
    """Seconds from run start to ``record`` by the wall clock, kept inside the run.

    Error records carry ``time.time()``; the report keeps the wall-clock time of its start
    (``started_at``), so the offset needs no clock of the reader's (a saved run opened days
    later gives the same trace).
    """
    offset = record.time - report.started_at
    return min(max(offset, 0.0), max(report.duration_s, 0.0))


register(
    RunFormat(
        key="trace",
        label="Timeline as Perfetto &trace…",
        suffix=".trace.json",
        description="Perfetto trace JSON",
        help="write the task timeline as a Chrome/Perfetto trace (open in ui.perfetto.dev)",
        streams=((same_path, write_trace_json),),
    )
)
