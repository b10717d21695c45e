"""A run's JSON document (``RunReport.to_json()``) split into what the store keeps apart.

The document goes in as written by the CLI's ``--json``; its ``tasks`` (one dict per span) are
taken out and kept as a compact span blob instead, and put back on load. Spans are absolute
``perf_counter()`` times; the document's ``tasks`` are relative to the run's start, so the
document keeps ``origin`` (the run's start on that clock) to convert one way and back.
"""

from __future__ import annotations

import platform
import re
from collections.abc import Sequence
from typing import Any

from .. import __version__
from ..engine.records import SpanTable, cpu_ns, cpu_seconds, on_cpu_of

_WORKER = re.compile(r"pid (-?\d+)(?: (.*))?\Z", re.S)


def environment_extras() -> dict[str, Any]:
    """What the store adds to a run's environment: the build, the machine and the app."""
    return {
        "python_build": " ".join(platform.python_build()),
        "python_compiler": platform.python_compiler(),
        "machine": platform.node(),
        "app_version": __version__,
    }


def stored_document(document: dict[str, Any], origin: float) -> dict[str, Any]:
    """A copy without the per-span ``tasks``, with ``origin`` and the environment filled in.

    Shallow on purpose (measured: a deep copy of a million-result document took a second):
    the copy is serialised at once and the caller's document is never changed. Keys already
    in the environment win: a document saved on another machine keeps its own.
    """
    out = {key: value for key, value in document.items() if key != "runs"}
    out["runs"] = [{**run, "tasks": []} for run in document.get("runs", [])]
    out["origin"] = origin
    environment = dict(environment_extras())
    environment.update(out.get("environment") or {})
    out["environment"] = environment
    return out


def spans_from_tasks(document: dict[str, Any]) -> list[SpanTable]:
    """Span tables rebuilt from the ``tasks`` of a document (times relative, so origin 0)."""
    tables = []
    for run in document.get("runs", []):
        table = SpanTable()
        for task in run.get("tasks", []):
            pid, thread = _parse_worker(str(task.get("worker", "")))
            table.task.append(int(task["id"]))
            table.pid.append(pid)
            table.thread_index.append(table._thread_id(thread))
            table.start.append(float(task["start_s"]))
            table.end.append(float(task["end_s"]))
            table.ok.append(1 if task.get("ok", True) else 0)
            # cpu_s absent: not measured, or a document from before it (NO_CPU)
            wall = table.end[-1] - table.start[-1]
            table.on_cpu.append(on_cpu_of(task.get("cpu_s"), wall))
        tables.append(table)
    return tables


def with_tasks(document: dict[str, Any], spans: Sequence[SpanTable] | None) -> dict[str, Any]:
    """The document as ``RunReport.to_json()`` wrote it: ``tasks`` put back from the spans."""
    out = {**document, "runs": [dict(run) for run in document.get("runs", [])]}
    if spans is None:
        return out
    origin = float(out.get("origin", 0.0))
    for run, table in zip(out.get("runs", []), spans, strict=False):
        run["tasks"] = [_task(table, i, origin) for i in range(len(table))]
    return out


def _task(table: SpanTable, i: int, origin: float) -> dict[str, Any]:
    """One task as the report writes it: ``cpu_s`` only where it was measured."""
    task: dict[str, Any] = {
        "id": table.task[i],
        "worker": _label(table.pid[i], table.threads[table.thread_index[i]]),
        "start_s": table.start[i] - origin,
        "end_s": table.end[i] - origin,
        "ok": bool(table.ok[i]),
    }
    if table.on_cpu[i] >= 0:
        task["cpu_s"] = cpu_ns(cpu_seconds(table.on_cpu[i], table.end[i] - table.start[i]))
    return task


def _label(pid: int, thread: str) -> str:
    return f"pid {pid}" if thread in ("", "MainThread") else f"pid {pid} {thread}"


def _parse_worker(label: str) -> tuple[int, str]:
    """Back from a worker label (``pid 12`` or ``pid 12 Thread-3``) to pid and thread name."""
    match = _WORKER.match(label)
    if match is None:
        return 0, label  # not ours: keep the text as the thread so the lane keeps its name
    pid = int(match.group(1))
    if not -(2**31) <= pid < 2**31:
        return 0, label
    return pid, match.group(2) or "MainThread"
