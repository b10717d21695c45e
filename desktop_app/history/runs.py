"""What the store hands out: a run's list entry, a loaded run, a prune's outcome.

Plain frozen dataclasses with ``to_json`` so the window's History view, the CLI's ``--json``
and an HTML report all read the same fields.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..engine.records import SpanTable
from . import documents


@dataclass(frozen=True)
class RunSummary:
    """One row of the History list: enough to show and filter without loading the run."""

    id: int
    created: float  # time.time() when saved
    scenario: str
    state: str
    duration_s: float
    python: str
    machine: str
    app_version: str
    span_count: int
    label: str
    note: str
    params: dict[str, Any]
    spans_kept: bool  # False once pruning dropped the spans (the summary stays)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SavedRun:
    """A run as saved: its document (``tasks`` left empty) and its spans, one table per map.

    ``spans`` is None when pruning dropped them. :meth:`to_json` gives back the document
    ``RunReport.to_json()`` wrote, tasks included, for code that replays JSON.
    """

    summary: RunSummary
    document: dict[str, Any]
    spans: list[SpanTable] | None

    def to_json(self) -> dict[str, Any]:
        return documents.with_tasks(self.document, self.spans)


@dataclass(frozen=True)
class PruneResult:
    pruned: list[int]  # ids of the runs whose spans were dropped
    bytes_before: int
    bytes_after: int


def summary_row(stored: dict[str, Any], span_count: int, packed: bytes) -> dict[str, Any]:
    environment = stored.get("environment") or {}
    python = f"{environment.get('implementation', 'Python')} {environment.get('python', '?')}"
    if environment.get("gil_enabled") is False:
        python += " (free-threaded, GIL off)"
    return {
        "created": time.time(),
        "scenario": str(stored.get("scenario", "")),
        "state": str(stored.get("state", "")),
        "duration_s": float(stored.get("duration_s") or 0.0),
        "python": python,
        "machine": str(environment.get("machine", "")),
        "app_version": str(environment.get("app_version", "")),
        "span_count": span_count,
        "document": packed,
        "params": json.dumps(stored.get("params") or {}, sort_keys=True),
    }


def summary_from_row(row: Sequence[Any]) -> RunSummary:
    *fields, params, spans_bytes = row
    values = [*fields, json.loads(params), spans_bytes is not None]  # in field order
    return RunSummary(*values)
