"""The document a run produces, shared by the CLI's ``--json`` and the window's export.

Every key of the JSON document is described in docs/report-format.md and checked by the JSON
Schema in ``report.schema.json`` (the tests validate every export against it). The writers of
each format are registered in ``formats.py``; ``saved_runs.py`` reads a document back.
"""

from __future__ import annotations

import decimal
import io
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..hot_loop import task_clock, timing_loop
from ..lock_events import LockLog
from ..records import ErrorRecord, Measurement, SpanTable, TaskSpan, cpu_ns
from ..start_method import START_METHOD
from ..stats import SummaryRow, cpu_count
from .lock_json import log_to_json

SCHEMA_VERSION = 1


def gil_enabled() -> bool:
    """False only on a free-threaded build running with the GIL off (Python 3.13t+)."""
    check = getattr(sys, "_is_gil_enabled", None)
    return True if check is None else bool(check())


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": cpu_count(),
        "start_method": START_METHOD,
        "gil_enabled": gil_enabled(),
        "pid": os.getpid(),  # the process that ran the run: the run host, or the CLI itself
        "executable": sys.executable,  # which Python: the run host may run under another one
        "timing_loop": timing_loop(),  # the compiled loop, or the slower Python one (hot_loop.py)
        "task_clock": task_clock(),  # each start read from the time-stamp counter, or the clock
    }


@dataclass
class RunEntry:
    """One timed map (or one lesson's threads/processes) with its spans and results."""

    measurement: Measurement
    spans: SpanTable
    results: list[Any]
    locks: LockLog | None = None  # a lesson's lock holds and lost updates (lock_events.py)


@dataclass
class RunReport:
    scenario: str
    params: dict[str, Any]
    pool_sizes: tuple[int, ...]
    repeats: int
    state: str = "completed"
    origin: float = 0.0  # perf_counter() at run start
    runs: list[RunEntry] = field(default_factory=list)
    summary: list[SummaryRow] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    table_columns: list[str] = field(default_factory=list)
    table_rows: list[tuple[Any, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    environment: dict[str, Any] = field(default_factory=environment)
    started_at: float = field(default_factory=time.time)  # time.time() at about ``origin``
    # "Why not N×" in plain words (engine/why_not.py), made at the end of a run; not in the
    # JSON: anything that reads a report back can make it again from the spans.
    why: list[str] = field(default_factory=list)
    # The same explanation as rows of numbers for the window's "Why not N×" view (why_bars).
    why_bars: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self, with_runs: bool = True) -> dict[str, Any]:
        """The report as plain data (docs/report-format.md); ``runs`` left out on request,
        for the streaming writer (json_format.py), which formats the tasks itself."""
        doc: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "scenario": self.scenario,
            "params": self.params,
            "pool_sizes": list(self.pool_sizes),
            "repeats": self.repeats,
            "environment": self.environment,
            "state": self.state,
            "duration_s": self.duration_s,
            "started_at": self.started_at,
            "runs": [self._run_json(entry) for entry in self.runs] if with_runs else [],
            "summary": [row.to_json() for row in self.summary],
            "errors": [record.to_json() for record in self.errors],
            "output": list(self.output),
            "table": {"columns": self.table_columns, "rows": [list(r) for r in self.table_rows]},
            "notes": list(self.notes),
        }
        if not with_runs:
            del doc["runs"]
        return doc

    def run_head_json(self, entry: RunEntry) -> dict[str, Any]:
        """A run's keys but its tasks and results."""
        m = entry.measurement
        return {
            "series": m.series,
            "backend": m.backend,
            "pool_size": m.pool_size,
            "repeat": m.repeat,
            "wall_s": m.wall_s,
            "startup_s": m.startup_s,
            "state": m.state,
            "task_count": m.task_count,
            "bound": m.bound,
            **({"hops": m.hops.to_json()} if m.hops is not None else {}),
        }

    def _run_json(self, entry: RunEntry) -> dict[str, Any]:
        doc = {
            **self.run_head_json(entry),
            "tasks": [_task_json(span, self.origin) for span in entry.spans],
            "results": [jsonable(value) for value in entry.results],
        }
        if entry.locks:  # only the lessons that trace their locks have it
            doc["locks"] = log_to_json(entry.locks, self.origin)
        return doc

    def dumps(self) -> str:
        """The JSON document as text (the streaming writer's output, into memory)."""
        from .json_format import write_report_json

        out = io.StringIO()
        write_report_json(self, out)
        return out.getvalue()

    def spans_csv(self) -> str:
        """Every task span, one row each, times relative to the run's start (csv_format)."""
        from .csv_format import write_spans_csv

        out = io.StringIO()
        write_spans_csv(self, out)
        return out.getvalue()

    def summary_csv(self) -> str:
        from .csv_format import write_summary_csv

        out = io.StringIO()
        write_summary_csv(self, out)
        return out.getvalue()

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> RunReport:
        """The report a JSON document describes (``to_json`` read back; see saved_runs.py)."""
        from .saved_runs import report_from_json

        return report_from_json(doc)


def jsonable(value: Any) -> Any:
    """``value`` as JSON can hold it: exact big ints as text, other objects as their repr."""
    if value is None or isinstance(value, (bool, float, str)):
        return value
    if isinstance(value, int):
        # Past 2**53 a JSON reader may round an int: keep it exact as a string. Decimal, not
        # str(): str() refuses ints over 4,300 digits (CPython's limit; 2000! has 5,736).
        return value if abs(value) < 2**53 else str(decimal.Decimal(value))
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return repr(value)


def schema_path() -> Path:
    """The JSON Schema every report document follows (report.schema.json beside this module)."""
    return Path(__file__).with_name("report.schema.json")


def _task_json(span: TaskSpan, origin: float) -> dict[str, Any]:
    """One task of a run; ``cpu_s`` only where the worker measured it."""
    task: dict[str, Any] = {
        "id": span.task,
        "worker": span.worker,
        "start_s": span.start - origin,
        "end_s": span.end - origin,
        "ok": span.ok,
    }
    if span.on_cpu >= 0:  # NO_CPU: not measured
        task["cpu_s"] = cpu_ns(span.cpu)
    return task
