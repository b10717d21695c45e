"""The run report as JSON (docs/report-format.md, schema in report.schema.json), streamed.

``json.dumps(report.to_json())`` builds a dict per task first: 1.2 million tasks (pool-timing
at n=100,000, three sizes, three repeats) peaked at 2 GB. Here every key but ``runs`` goes
through ``json.dumps`` (small), and each run's tasks are formatted straight from the span
table's columns in chunks, so memory stays at one chunk of text. The document is the same one
``to_json`` describes: ``json.loads`` of the output equals ``report.to_json()``.
"""

from __future__ import annotations

import json
from typing import TextIO

from ..records import cpu_ns, worker_label
from .formats import RunFormat, register, same_path
from .lock_json import log_to_json
from .report import RunEntry, RunReport, jsonable
from .writers import Progress

CHUNK = 1_000  # tasks per write: progress and a cancel land between chunks


def task_units(report: RunReport) -> int:
    """The work of a report in progress units: one per task and per result."""
    return sum(len(entry.spans) + len(entry.results) for entry in report.runs) + 1


def write_report_json(report: RunReport, handle: TextIO, progress: Progress | None = None) -> None:
    """Write ``report`` to ``handle`` as the report's JSON document."""
    if progress is not None:
        progress.add_total(task_units(report))
    head = report.to_json(with_runs=False)
    tail_keys = ("summary", "errors", "output", "table", "notes")
    handle.write("{\n")
    for key, value in head.items():
        if key not in tail_keys:
            handle.write(f"  {json.dumps(key)}: {json.dumps(value)},\n")
    handle.write('  "runs": [')
    for index, entry in enumerate(report.runs):
        handle.write(",\n    " if index else "\n    ")
        _write_run(report, entry, handle, progress)
    handle.write("\n  ]" if report.runs else "]")
    for key in tail_keys:
        handle.write(f",\n  {json.dumps(key)}: {json.dumps(head[key])}")
    handle.write("\n}\n")
    if progress is not None:
        progress.tick()


def _write_run(
    report: RunReport, entry: RunEntry, handle: TextIO, progress: Progress | None
) -> None:
    head = report.run_head_json(entry)
    handle.write("{")
    for field, value in head.items():
        handle.write(f"{json.dumps(field)}: {json.dumps(value)}, ")
    handle.write('"tasks": [')
    spans, origin = entry.spans, report.origin
    workers: dict[tuple[int, int], str] = {}
    for first in range(0, len(spans), CHUNK):
        stop = min(first + CHUNK, len(spans))
        parts = []
        for i in range(first, stop):
            key = (spans.pid[i], spans.thread_index[i])
            worker = workers.get(key)
            if worker is None:
                label = worker_label(key[0], spans.threads[key[1]])
                worker = workers[key] = json.dumps(label)
            on_cpu, start, end = spans.on_cpu[i], spans.start[i], spans.end[i]
            parts.append(
                f'{{"id": {spans.task[i]}, "worker": {worker}, '
                f'"start_s": {_number(start - origin)}, '
                f'"end_s": {_number(end - origin)}, '
                f'"ok": {"true" if spans.ok[i] else "false"}'
                + (
                    "}"
                    if on_cpu < 0
                    else f', "cpu_s": {_number(cpu_ns(on_cpu * max(end - start, 0.0)))}}}'
                )  # NO_CPU: not measured
            )
        handle.write(("\n      " if first == 0 else ",\n      ") + ",\n      ".join(parts))
        if progress is not None:
            progress.tick(stop - first)
    handle.write('], "results": [')
    results = entry.results
    for first in range(0, len(results), CHUNK):
        chunk = results[first : first + CHUNK]
        text = ", ".join(json.dumps(jsonable(value)) for value in chunk)
        handle.write((", " if first else "") + text)
        if progress is not None:
            progress.tick(len(chunk))
    handle.write("]")
    if entry.locks:  # at most HOLD_LIMIT holds: one piece of text
        handle.write(f', "locks": {json.dumps(log_to_json(entry.locks, origin))}')
    handle.write("}")


def _number(value: float) -> str:
    """A float as ``json.dumps`` writes it: ``repr``, the shortest exact text (and ``json``'s
    own spelling for the non-finite values ``repr`` would write as ``inf`` or ``nan``)."""
    text = repr(value)
    return text if text[-1].isdigit() else json.dumps(value)


register(
    RunFormat(
        key="json",
        label="Run as &JSON…",
        suffix=".json",
        description="JSON run report",
        help="write the run report as JSON ('-': standard output); "
        "'concurrency-lab show-run PATH' reads it back",
        streams=((same_path, write_report_json),),
        stdout=True,
    )
)
