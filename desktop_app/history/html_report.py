"""A self-contained HTML report of one saved run or a comparison of several (issue 16).

One file that opens anywhere, offline: inline CSS, inline SVG plots drawn in Python
(svg_plots.py, svg_timeline.py), a few lines of inline script to zoom the timelines, and no
link to a network, a CDN or a font server. It holds the title, each run's environment and
parameters, the timing plot (runs overlaid, one style each, a legend naming them), every
measurement's median with its spread and repeat count, the comparison table with the verdicts
of compare.py and the test that made them, each run's timeline on a shared time axis, and the
notes, errors (with tracebacks) and output. Qt-free: the CLI writes it (``history report``)
and the window's History ▸ Export report… calls the same function on a pool thread.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from .. import __version__
from ..engine.outputs.report import RunReport
from ..engine.outputs.writers import write_atomically
from .compare import ComparisonRow, compare_many, describe_test, samples
from .runs import RunSummary, SavedRun
from .saved_report import report_from_saved
from .svg_plots import RUN_COLOURS, Curve, timing_svg
from .svg_timeline import ZOOM_SCRIPT, run_end_ms, timeline_svg

MAX_OUTPUT_LINES = 400

STYLE = """
:root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fff;--muted:#666;--line:#ddd;--band:#f5f5f7}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8ea;--bg:#1e1f22;--muted:#a0a0a8;
--line:#3a3b40;--band:#27282c}}
body{font:14px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:2em auto;
max-width:980px;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid var(--line)}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:3px 10px;border-bottom:1px solid
var(--line);text-align:left;vertical-align:top}th{background:var(--band)}
td.num{text-align:right;font-variant-numeric:tabular-nums}.muted,caption{color:var(--muted)}
caption{caption-side:bottom;text-align:left;font-size:.9em;padding-top:.4em}
.faster{color:#2e7d32;font-weight:600}.slower{color:#c62828;font-weight:600}
svg.plot{max-width:100%;height:auto;color:var(--fg);display:block;margin:.5em 0}
svg.zoomable{cursor:grab}pre{background:var(--band);padding:.6em;overflow:auto;font-size:12px}
"""


@dataclass(frozen=True)
class ReportRun:
    """One run of a report: its id and list entry (None for an unsaved run) and its report."""

    run_id: int | None
    summary: RunSummary | None
    report: RunReport
    document: dict[str, Any]

    @property
    def name(self) -> str:
        label = self.summary.label if self.summary else ""
        base = f"run {self.run_id}" if self.run_id is not None else "this run"
        return f"{base} ({label})" if label else base


def from_saved(saved: SavedRun) -> ReportRun:
    return ReportRun(saved.summary.id, saved.summary, report_from_saved(saved), saved.document)


def render_html(runs: Sequence[ReportRun], alpha: float = 0.05) -> str:
    """The page for one run, or for a comparison of every run with the first (the baseline)."""
    if not runs:
        raise ValueError("a report needs at least one run")
    rows = compare_many([(r.run_id, r.document) for r in runs], alpha) if len(runs) > 1 else []
    body = [
        f"<h1>{escape(_title(runs))}</h1>",
        f'<p class="muted">Concurrency Lab {escape(__version__)} · report written '
        f"{_date(time.time())}</p>",
        _section("Runs", _runs_table(runs)),
        _section("Parameters", _params_table(runs)),
        _section("Environment", _environment_table(runs)),
        _section("Wall time against pool size", timing_svg(curves(runs))),
        _section("Measurements", _measurements_table(runs)),
    ]
    if rows:
        body.append(_section("Comparison with the baseline", _comparison_table(rows, alpha)))
    body.append(_section("Timelines", _timelines(runs)))
    body.append(_section("Notes and errors", _notes_and_errors(runs)))
    body.append(_section("Output", _output(runs)))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(_title(runs))}</title><style>{STYLE}</style></head><body>"
        + "\n".join(body)
        + f"<script>{ZOOM_SCRIPT}</script></body></html>\n"
    )


def write_html(runs: Sequence[ReportRun], path: str | os.PathLike[str]) -> Path:
    """Render and write atomically (a temp file, then rename); returns the path written."""
    text = render_html(runs)
    return write_atomically(path, lambda handle: handle.write(text))


def _title(runs: Sequence[ReportRun]) -> str:
    first = runs[0]
    if len(runs) == 1:
        return f"{first.name.capitalize()}: {first.report.scenario}, {first.report.state}"
    others = ", ".join(r.name for r in runs[1:])
    return f"Comparison: {others} against {first.name} ({first.report.scenario})"


def _section(title: str, content: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{content}</section>"


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]], caption: str = "") -> str:
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table>{cap}<thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if isinstance(value, tuple):  # (text, css class)
        return f'<td class="{value[1]}">{escape(str(value[0]))}</td>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<td class="num">{escape(str(value))}</td>'
    return f"<td>{escape(str(value))}</td>"


def _date(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def _runs_table(runs: Sequence[ReportRun]) -> str:
    rows = []
    for r in runs:
        s, rep = r.summary, r.report
        rows.append(
            [
                r.name,
                rep.scenario,
                rep.state,
                _date(rep.started_at),
                (f"{rep.duration_s:.3f} s", "num"),
                s.python if s else rep.environment.get("python", ""),
                s.machine if s else "",
                s.note if s else "",
            ]
        )
    head = ["run", "scenario", "state", "started", "duration", "interpreter", "machine", "note"]
    return _table(head, rows)


def _params_table(runs: Sequence[ReportRun]) -> str:
    names = list(dict.fromkeys(name for r in runs for name in r.report.params))
    rows: list[list[Any]] = [
        [name] + [r.report.params.get(name, "—") for r in runs] for name in names
    ]
    rows.append(["pool sizes"] + [", ".join(map(str, r.report.pool_sizes)) for r in runs])
    rows.append(["repeats"] + [r.report.repeats for r in runs])
    return _table(["parameter"] + [r.name for r in runs], rows)


def _environment_table(runs: Sequence[ReportRun]) -> str:
    keys = list(dict.fromkeys(k for r in runs for k in r.report.environment))
    rows = [
        [key] + [_environment_value(r.report.environment.get(key, "—")) for r in runs]
        for key in keys
    ]
    return _table(["environment"] + [r.name for r in runs], rows)


def _environment_value(value: Any) -> Any:
    """A nested entry (the GIL verdict) as its summary, else as "key: value" pairs, not a
    Python dict's repr."""
    if isinstance(value, dict):
        if "summary" in value:
            return value["summary"]
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return value


def curves(runs: Sequence[ReportRun]) -> list[Curve]:
    series = list(dict.fromkeys(k[:2] for r in runs for k in samples(r.document)))
    curves = []
    for style, run in enumerate(runs):
        by_series: dict[tuple[str, str], dict[int, list[float]]] = {}
        for (name, backend, size), values in samples(run.document).items():
            by_series.setdefault((name, backend), {})[size] = values
        for key, sizes in by_series.items():
            colour = RUN_COLOURS[series.index(key) % len(RUN_COLOURS)]
            label = f"{run.name} · {key[0]} ({key[1]})"
            curves.append(Curve(label, style, colour, sizes))
    return curves


def _measurements_table(runs: Sequence[ReportRun]) -> str:
    rows = []
    for run in runs:
        for (name, backend, size), values in samples(run.document).items():
            spread = f"{min(values):.4g}–{max(values):.4g}" if values else "—"
            median = f"{statistics.median(values):.4g}" if values else "—"
            rows.append([run.name, name, backend, size, (median, "num"), spread, len(values)])
    head = ["run", "series", "backend", "pool size", "median (s)", "min–max (s)", "repeats"]
    caption = "Wall time of each completed repeat; the plot's whiskers span min to max."
    return _table(head, rows, caption)


def _comparison_table(rows: Sequence[ComparisonRow], alpha: float) -> str:
    def num(value: float | None, digits: str = ".4g") -> Any:
        return "—" if value is None else (format(value, digits), "num")

    body = [
        [
            f"run {row.run_id}",
            row.series,
            row.backend,
            row.pool_size,
            f"{row.baseline_repeats} / {row.repeats}",
            num(row.baseline_median_s),
            num(row.median_s),
            num(row.ratio, ".3f"),
            "—" if row.ci_low is None else f"{row.ci_low:.3f}–{row.ci_high:.3f}",
            num(row.p_value, ".2g"),
            (row.verdict, row.verdict.split()[0] if row.verdict in ("faster", "slower") else ""),
        ]
        for row in rows
    ]
    head = [
        "run",
        "series",
        "backend",
        "pool",
        "repeats (base / run)",
        "baseline median (s)",
        "median (s)",
        "ratio",
        f"{1 - alpha:.0%} CI",
        "p",
        "verdict",
    ]
    caption = f"ratio = the run's median time / the baseline's (below 1: faster). Test: {describe_test(alpha)}."
    return _table(head, body, caption)


def _timelines(runs: Sequence[ReportRun]) -> str:
    t_max = max(run_end_ms(r.report) for r in runs) or None
    parts = [
        '<p class="muted">Wheel to zoom, drag to pan, double-click to see the whole run. '
        "Every timeline shares one time axis.</p>"
    ]
    for run in runs:
        parts.append(f"<h3>{escape(run.name)}</h3>{timeline_svg(run.report, t_max)}")
    return "".join(parts)


def _notes_and_errors(runs: Sequence[ReportRun]) -> str:
    parts = []
    for run in runs:
        rep = run.report
        notes = "".join(f"<li>{escape(note)}</li>" for note in rep.notes)
        errors = "".join(
            f"<li><b>{escape(e.type)}</b>: {escape(e.message)} <span class=muted>({escape(e.origin)}"
            f"{'' if e.task is None else f', task {e.task}'})</span>"
            + (
                f"<details><summary>traceback</summary><pre>{escape(e.traceback)}</pre></details>"
                if e.traceback
                else ""
            )
            + "</li>"
            for e in rep.errors
        )
        parts.append(
            f"<h3>{escape(run.name)}</h3>"
            + (f"<ul>{notes}</ul>" if notes else '<p class="muted">No notes.</p>')
            + (f'<ul class="errors">{errors}</ul>' if errors else '<p class="muted">No errors.</p>')
        )
    return "".join(parts)


def _output(runs: Sequence[ReportRun]) -> str:
    parts = []
    for run in runs:
        lines = run.report.output
        more = len(lines) - MAX_OUTPUT_LINES
        tail = f"\n… {more} more lines" if more > 0 else ""
        text = escape("\n".join(lines[:MAX_OUTPUT_LINES]) + tail) or "(no output)"
        parts.append(
            f"<details><summary>{escape(run.name)}: {len(lines)} lines</summary><pre>{text}</pre></details>"
        )
    return "".join(parts)
