"""The document a run produces, shared by the CLI's ``--json`` and the window's export.

Schema (version 1): ``scenario``, ``params``, ``environment`` {python, platform, cpu_count,
start_method, gil_enabled}, ``state``, ``runs`` [{series, backend, pool_size, repeat, wall_s,
startup_s, state, tasks [{id, worker, start_s, end_s, ok}], results}], ``summary``
[{series, backend, pool_size, median_s, min_s, max_s, mad_s, speedup, efficiency, ...}],
``errors`` [{origin, type, message, traceback, task, ...}], ``output`` [lines], ``table``
{columns, rows}, ``notes`` [text].
"""

from __future__ import annotations

import csv
import decimal
import io
import json
import platform
import sys
from dataclasses import dataclass, field
from typing import Any

from ..records import ErrorRecord, Measurement, SpanTable
from ..start_method import START_METHOD
from ..stats import SummaryRow, cpu_count

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
    }


@dataclass
class RunEntry:
    """One timed map (or one lesson's threads/processes) with its spans and results."""

    measurement: Measurement
    spans: SpanTable
    results: list[Any]


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

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "scenario": self.scenario,
            "params": self.params,
            "pool_sizes": list(self.pool_sizes),
            "repeats": self.repeats,
            "environment": self.environment,
            "state": self.state,
            "duration_s": self.duration_s,
            "runs": [self._run_json(entry) for entry in self.runs],
            "summary": [row.to_json() for row in self.summary],
            "errors": [record.to_json() for record in self.errors],
            "output": list(self.output),
            "table": {"columns": self.table_columns, "rows": [list(r) for r in self.table_rows]},
            "notes": list(self.notes),
        }

    def _run_json(self, entry: RunEntry) -> dict[str, Any]:
        m = entry.measurement
        return {
            "series": m.series,
            "backend": m.backend,
            "pool_size": m.pool_size,
            "repeat": m.repeat,
            "wall_s": m.wall_s,
            "startup_s": m.startup_s,
            "state": m.state,
            "tasks": [
                {
                    "id": span.task,
                    "worker": span.worker,
                    "start_s": span.start - self.origin,
                    "end_s": span.end - self.origin,
                    "ok": span.ok,
                }
                for span in entry.spans
            ],
            "results": [_jsonable(value) for value in entry.results],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2)

    def spans_csv(self) -> str:
        """Every task span, one row each, times relative to the run's start."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            ["series", "backend", "pool_size", "repeat", "task", "worker", "start_s", "end_s", "ok"]
        )
        for entry in self.runs:
            m = entry.measurement
            for span in entry.spans:
                writer.writerow(
                    [
                        m.series,
                        m.backend,
                        m.pool_size,
                        m.repeat,
                        span.task,
                        span.worker,
                        f"{span.start - self.origin:.6f}",
                        f"{span.end - self.origin:.6f}",
                        int(span.ok),
                    ]
                )
        return out.getvalue()

    def summary_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "series",
                "backend",
                "pool_size",
                "repeats",
                "median_s",
                "min_s",
                "max_s",
                "mad_s",
                "startup_s",
                "speedup",
                "efficiency",
                "noisy",
            ]
        )
        for row in self.summary:
            writer.writerow(
                [
                    row.series,
                    row.backend,
                    row.pool_size,
                    row.repeats,
                    f"{row.median_s:.6f}",
                    f"{row.min_s:.6f}",
                    f"{row.max_s:.6f}",
                    f"{row.mad_s:.6f}",
                    f"{row.startup_s:.6f}",
                    "" if row.speedup is None else f"{row.speedup:.3f}",
                    "" if row.efficiency is None else f"{row.efficiency:.3f}",
                    int(row.noisy),
                ]
            )
        return out.getvalue()


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, float, str)):
        return value
    if isinstance(value, int):
        # Past 2**53 a JSON reader may round an int: keep it exact as a string. Decimal, not
        # str(): str() refuses ints over 4,300 digits (CPython's limit; 2000! has 5,736).
        return value if abs(value) < 2**53 else str(decimal.Decimal(value))
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return repr(value)
