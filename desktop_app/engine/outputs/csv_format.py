"""The run as two CSV tables: every task span, and the summary beside it (``<stem>-summary.csv``).

Numbers keep full precision (``repr``, the shortest text that reads back to the same float):
rounding to microseconds made 147,187 of 200,000 rows of a 100,000-task run end where they
started. The spans are written from the span table's columns in chunks, never as a list of rows.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO

from ..records import cpu_ns, cpu_seconds, worker_label
from .formats import RunFormat, register, same_path
from .report import RunReport
from .writers import Progress

CHUNK = 500  # rows per writerows call: one C call, the GIL held throughout (~3 ms)
SPAN_COLUMNS = ("series", "backend", "pool_size", "repeat", "task", "worker", "start_s", "end_s")
SUMMARY_COLUMNS = (
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
    "ideal_speedup",
    "noisy",
    "bound",
)


def summary_path(spans: Path) -> Path:
    """Where the summary goes for spans written to ``spans``: the one place this rule lives."""
    return spans.with_name(f"{spans.stem}-summary{spans.suffix or '.csv'}")


def write_spans_csv(report: RunReport, handle: TextIO, progress: Progress | None = None) -> None:
    """Every task span, one row each, times in seconds since the run started."""
    if progress is not None:
        progress.add_total(sum(len(entry.spans) for entry in report.runs))
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow([*SPAN_COLUMNS, "ok", "cpu_s"])
    origin = report.origin
    for entry in report.runs:
        m = entry.measurement
        spans = entry.spans
        on_cpu = spans.on_cpu
        labels: dict[tuple[int, int], str] = {}
        for first in range(0, len(spans), CHUNK):
            stop = min(first + CHUNK, len(spans))
            rows = []
            for i in range(first, stop):
                key = (spans.pid[i], spans.thread_index[i])
                worker = labels.get(key)
                if worker is None:
                    worker = labels[key] = worker_label(key[0], spans.threads[key[1]])
                rows.append(
                    (
                        m.series,
                        m.backend,
                        m.pool_size,
                        m.repeat,
                        spans.task[i],
                        worker,
                        repr(spans.start[i] - origin),
                        repr(spans.end[i] - origin),
                        spans.ok[i],
                        _cpu_cell(on_cpu[i], spans.end[i] - spans.start[i]),
                    )
                )
            writer.writerows(rows)
            if progress is not None:
                progress.tick(stop - first)


def write_summary_csv(report: RunReport, handle: TextIO, progress: Progress | None = None) -> None:
    """One row per (series, backend, pool size), with the ideal speedup it is measured against."""
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(SUMMARY_COLUMNS)
    for row in report.summary:
        writer.writerow(
            [
                row.series,
                row.backend,
                row.pool_size,
                row.repeats,
                repr(row.median_s),
                repr(row.min_s),
                repr(row.max_s),
                repr(row.mad_s),
                repr(row.startup_s),
                "" if row.speedup is None else repr(row.speedup),
                "" if row.efficiency is None else repr(row.efficiency),
                repr(row.ideal_speedup),
                int(row.noisy),
                row.bound,
            ]
        )
    if progress is not None:
        progress.tick()


register(
    RunFormat(
        key="csv",
        label="Spans and summary as &CSV…",
        suffix=".csv",
        description="CSV table",
        help="write every task span as CSV, and the summary to <stem>-summary.csv beside it",
        streams=((same_path, write_spans_csv), (summary_path, write_summary_csv)),
    )
)


def _cpu_cell(on_cpu: float, wall: float) -> str:
    """A span's ``cpu_s`` cell: its CPU seconds to the nanosecond, empty where not measured."""
    return "" if on_cpu < 0 else repr(cpu_ns(cpu_seconds(on_cpu, wall)))
