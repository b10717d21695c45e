"""Reading a saved run back: the report's JSON document to a :class:`RunReport`.

The way back of ``RunReport.to_json`` (``from_json(doc).to_json() == doc``, tested with
hypothesis), so "File ▸ Open run…" and ``concurrency-lab show-run PATH`` show exactly what the
run showed. Times in the document are relative to the run's start: the read report's
``origin`` is 0, and its spans' times are those offsets. A document that is not a report is a
:class:`SavedRunError` with one line saying what is wrong, never a ``KeyError``.
"""

from __future__ import annotations

import json
import os
import re
from array import array
from pathlib import Path
from typing import Any

from ..hops import HopBreakdown
from ..records import ErrorRecord, Measurement, SpanTable, on_cpu_of
from ..stats import SummaryRow
from .lock_json import log_from_json
from .report import SCHEMA_VERSION, RunEntry, RunReport

_WORKER = re.compile(r"pid (-?\d+)(?: (.*))?\Z", re.DOTALL)


class SavedRunError(ValueError):
    """The file is not a run report this version can read; the message says why."""


def read_report(path: str | os.PathLike[str]) -> RunReport:
    """The report saved at ``path`` (OSError when unreadable, SavedRunError when not a report)."""
    with open(path, encoding="utf-8") as handle:
        try:
            doc = json.load(handle)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SavedRunError(f"{Path(path).name} is not JSON ({exc})") from None
    return report_from_json(doc)


def report_from_json(doc: Any) -> RunReport:
    if not isinstance(doc, dict) or "scenario" not in doc or "runs" not in doc:
        raise SavedRunError("not a Concurrency Lab run report (no 'scenario' and 'runs' keys)")
    if doc.get("schema") != SCHEMA_VERSION:
        raise SavedRunError(
            f"report schema {doc.get('schema')!r} is not the one this version reads "
            f"({SCHEMA_VERSION})"
        )
    try:
        return _report(doc)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SavedRunError(f"the run report is damaged: {type(exc).__name__} {exc}") from None


def _report(doc: dict[str, Any]) -> RunReport:
    table = doc["table"]
    return RunReport(
        scenario=doc["scenario"],
        params=dict(doc["params"]),
        pool_sizes=tuple(doc["pool_sizes"]),
        repeats=doc["repeats"],
        state=doc["state"],
        origin=0.0,
        runs=[_run(run) for run in doc["runs"]],
        summary=[SummaryRow(**row) for row in doc["summary"]],
        errors=[ErrorRecord(**record) for record in doc["errors"]],
        output=list(doc["output"]),
        table_columns=list(table["columns"]),
        table_rows=[tuple(row) for row in table["rows"]],
        notes=list(doc["notes"]),
        duration_s=doc["duration_s"],
        environment=dict(doc["environment"]),
        started_at=doc.get("started_at", 0.0),  # absent from files written before it existed
    )


def _run(run: dict[str, Any]) -> RunEntry:
    tasks = run["tasks"]
    measurement = Measurement(
        series=run["series"],
        backend=run["backend"],
        pool_size=run["pool_size"],
        repeat=run["repeat"],
        wall_s=run["wall_s"],
        startup_s=run["startup_s"],
        state=run["state"],
        task_count=run.get("task_count", len(tasks)),
        bound=run.get("bound", "cpu"),  # absent from files written before it existed
        hops=HopBreakdown.from_json(run["hops"]) if "hops" in run else None,  # process kinds
    )
    locks = log_from_json(run["locks"]) if "locks" in run else None  # lessons that trace locks
    return RunEntry(measurement, spans_from_tasks(tasks), list(run["results"]), locks)


def spans_from_tasks(tasks: list[dict[str, Any]]) -> SpanTable:
    """The span table of a run's ``tasks`` list, column by column."""
    table = SpanTable()
    threads: dict[str, tuple[int, int]] = {}
    pids, indexes = array("i"), array("H")
    for task in tasks:
        worker = task["worker"]
        known = threads.get(worker)
        if known is None:
            match = _WORKER.match(worker)
            if match is None:
                raise ValueError(f"worker {worker!r} is not 'pid N [thread]'")
            pid, thread = int(match.group(1)), match.group(2) or "MainThread"
            known = threads[worker] = (pid, table._thread_id(thread))
        pids.append(known[0])
        indexes.append(known[1])
    table.task = array("q", (task["id"] for task in tasks))
    table.pid = pids
    table.thread_index = indexes
    table.start = array("d", (float(task["start_s"]) for task in tasks))
    table.end = array("d", (float(task["end_s"]) for task in tasks))
    table.ok = array("b", (1 if task["ok"] else 0 for task in tasks))
    table.on_cpu = array(
        "d",
        (
            on_cpu_of(task.get("cpu_s"), end - start)
            for task, start, end in zip(tasks, table.start, table.end, strict=True)
        ),
    )
    return table
