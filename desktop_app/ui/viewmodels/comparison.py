"""Everything the Compare window draws, prepared on a pool thread (Qt-free).

Loading runs decodes their spans and the timeline bars need a sort per lane; for runs of a
million spans that is a second of numpy, so it happens here, off the GUI thread, and the
window only hands ready arrays to pyqtgraph. The curves and the comparison rows are the HTML
report's own (history/html_report.py, history/compare.py), so window and report agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ...history.compare import ComparisonRow, compare_many
from ...history.html_report import ReportRun, curves, from_saved
from ...history.store import Store
from ...history.svg_plots import Curve
from ...history.svg_timeline import backend_colour, lanes, merged_bars, run_end_ms

BARS_PER_LANE = 2000  # bars closer than 1/2000 of the time axis merge: a pixel or less


@dataclass(frozen=True)
class Lane:
    name: str
    bars: list[tuple[str, np.ndarray]]  # (colour, rows of start, end in ms)
    failed: np.ndarray  # rows of start, end in ms of the failed tasks


@dataclass(frozen=True)
class Comparison:
    runs: list[ReportRun]
    rows: list[ComparisonRow]
    curves: list[Curve]
    timelines: list[list[Lane]]  # per run
    t_max_ms: float


def timeline_lanes(run: ReportRun, t_max_ms: float) -> list[Lane]:
    report = run.report
    backends = list(dict.fromkeys(entry.measurement.backend for entry in report.runs))
    out = []
    for (pid, thread), parts in lanes(report).items():
        name = f"pid {pid}" if thread in ("", "MainThread") else f"pid {pid} {thread}"
        bars = [
            (
                backend_colour(report.runs[index].measurement.backend, backends),
                merged_bars(rows, t_max_ms / BARS_PER_LANE),
            )
            for index, rows in parts
        ]
        failed = np.concatenate([rows[rows[:, 2] == 0, :2] for _, rows in parts])
        out.append(Lane(name, bars, failed))
    return out


def load_comparison(store: Store, run_ids: Sequence[int]) -> Comparison:
    """Load the runs (the first is the baseline) and prepare every view of them."""
    runs = [from_saved(store.load(run_id)) for run_id in run_ids]
    rows = compare_many([(r.run_id, r.document) for r in runs])
    t_max = max((run_end_ms(r.report) for r in runs), default=0.0) or 1.0
    return Comparison(runs, rows, curves(runs), [timeline_lanes(r, t_max) for r in runs], t_max)
