"""A saved run back as a :class:`RunReport`, its spans attached as stored (no task dicts).

The window replays a ``RunReport`` (ui/replay.py) and the HTML report reads one. Going through
``SavedRun.to_json()`` would build a dict per span (3 s for a million, docs/history.md); here
the document, whose ``tasks`` are empty, is read by the report's own reader and the stored
span tables (absolute ``perf_counter`` times) are put back with the run's ``origin``, so the
report is the one the run produced, bit for bit.
"""

from __future__ import annotations

from typing import Any

from ..engine.outputs.report import RunReport
from ..engine.outputs.saved_runs import report_from_json
from .runs import SavedRun


def report_from_saved(saved: SavedRun) -> RunReport:
    """The report of ``saved``; without spans (pruned) its maps keep empty span tables."""
    report = report_from_json(_readable(saved.document))
    report.origin = float(saved.document.get("origin", 0.0))
    if saved.spans is not None:
        for entry, table in zip(report.runs, saved.spans, strict=False):
            entry.spans = table
    return report


def _readable(document: dict[str, Any]) -> dict[str, Any]:
    """The stored document with the keys the report reader insists on."""
    runs = [{**run, "tasks": run.get("tasks") or []} for run in document.get("runs", [])]
    return {**document, "runs": runs}
