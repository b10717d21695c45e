"""``concurrency-lab history report ID [ID…] --html PATH``: a self-contained HTML report.

One id: that run's report; several: a comparison of each with the first (the baseline), as
``history compare``; ``--previous`` adds the run of the same lesson saved before the one id.
``history export ID PATH.html`` comes here too, so an ``.html`` path never gets JSON.
The page itself is built by desktop_app/history/html_report.py (Qt-free, no network).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0


def add_report_parser(sub: Any, run_id: Any) -> argparse.ArgumentParser:
    report = sub.add_parser("report", help="write an HTML report of a run, or a comparison of runs")
    report.add_argument("ids", type=run_id, nargs="+", metavar="ID")
    report.add_argument("--html", required=True, metavar="PATH", help="the .html file to write")
    report.add_argument(
        "--previous", action="store_true", help="compare with the lesson's run saved before it"
    )
    return report


def is_html(path: str) -> bool:
    return Path(path).suffix.lower() in (".html", ".htm")


def report_ids(store: Any, ids: list[int], previous: bool) -> list[int]:
    """The runs of the report, the baseline first (``--previous`` finds it)."""
    from .history import HistoryUsageError

    ids = list(dict.fromkeys(ids))
    if previous:
        if len(ids) != 1:
            raise HistoryUsageError("--previous takes exactly one run id")
        earlier = store.previous_run(ids[0])
        if earlier is None:
            raise HistoryUsageError(f"run {ids[0]} has no earlier run of the same scenario")
        ids.insert(0, earlier.id)
    return ids


def write_report(store: Any, ids: list[int], path: str, as_json: bool) -> int:
    """Load the runs, write the page atomically, say where."""
    from ..history.html_report import from_saved, write_html
    from .commands import UsageError
    from .outputs import OutputPathError, check_writable

    try:
        check_writable(Path(path), "the report PATH")
    except OutputPathError as exc:
        raise UsageError(str(exc)) from exc
    written = write_html([from_saved(store.load(run_id)) for run_id in ids], path)
    if as_json:
        sys.stdout.write(json.dumps({"report": ids, "path": str(written)}, indent=2) + "\n")
    else:
        what = f"run {ids[0]}" if len(ids) == 1 else "runs " + ", ".join(map(str, ids))
        print(f"wrote the HTML report of {what} to {written}")
    return EXIT_OK


def report_action(store: Any, args: argparse.Namespace) -> int:
    return write_report(store, report_ids(store, args.ids, args.previous), args.html, args.json)
