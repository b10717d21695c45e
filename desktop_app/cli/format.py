"""Plain-text rendering for the CLI: the scenario list, a scenario's page and a run's report.

Kept apart from argument parsing so the wording of the output can change without touching the
exit-code logic. Big runs stay readable: long tables and outputs are cut with a pointer to
``--json``, which always holds everything.
"""

from __future__ import annotations

import decimal
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

from ..engine.hot_loop import PYTHON_LOOP_NOTE
from ..engine.stats import noise_reason

MAX_TABLE_ROWS = 40
MAX_OUTPUT_LINES = 60
MAX_CELL = 48
WRAP = 92


def format_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    limit: int | None = None,
    max_cell: int | None = None,
) -> list[str]:
    """Aligned columns; numbers to the right. Cuts after ``limit`` rows, saying how many,
    and cells longer than ``max_cell`` (2000! has 5,736 digits)."""
    shown = list(rows if limit is None else rows[:limit])
    cells = [[_cell(value, max_cell) for value in row] for row in shown]
    widths = [len(c) for c in columns]
    for row in cells:
        for index, text in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], len(text))
    numeric = [
        all(_is_number(row[i]) for row in shown if i < len(row)) for i in range(len(columns))
    ]

    def line(values: Sequence[str]) -> str:
        parts = [
            value.rjust(width) if numeric[i] and shown else value.ljust(width)
            for i, (value, width) in enumerate(zip(values, widths, strict=False))
        ]
        return "  ".join(parts).rstrip()

    out = [line(list(columns)), line(["-" * w for w in widths])]
    out.extend(line(row) for row in cells)
    if limit is not None and len(rows) > limit:
        out.append(f"… {len(rows) - limit} more rows (all of them are in --json)")
    return out


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _cell(value: Any, max_cell: int | None = None) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, int):
        # str() refuses ints past 4,300 digits (CPython's limit); Decimal does not.
        text = str(value) if abs(value) < 10**4000 else str(decimal.Decimal(value))
    else:
        text = str(value)
    if max_cell is None or len(text) <= max_cell:
        return text
    return f"{text[: max_cell - 12]}… ({len(text)} chars)"


def seconds(value: float | None) -> str:
    """A duration in the unit that keeps three significant digits readable."""
    if value is None:
        return "-"
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.2f} ms"
    return f"{value:.3f} s"


def _ratio(value: float | None, suffix: str = "") -> str:
    return "-" if value is None else f"{value:.2f}{suffix}"


def _section(title: str, lines: Iterable[str], indent: str = "  ") -> list[str]:
    return ["", title, *(indent + line if line else "" for line in lines)]


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), WRAP) or [""]


# --- list and show ------------------------------------------------------------------------------


def render_list(scenarios: Sequence[Any]) -> str:
    rows = [[s.id, s.title, ", ".join(p.name for p in s.params) or "-"] for s in scenarios]
    lines = format_table(["id", "title", "parameters"], rows)
    lines += ["", "concurrency-lab show ID describes one; concurrency-lab run ID runs it."]
    return "\n".join(lines)


def render_show(scenario: Any) -> str:
    sizes = ", ".join(str(size) for size in scenario.pool_sizes)
    head = [
        f"{scenario.id}: {scenario.title}",
        f"Lesson: {scenario.lesson}",
        f"Defaults: pool sizes {sizes}; repeats {scenario.repeats}"
        + ("; sweeps several pool sizes" if scenario.sweeps else "; runs at one pool size"),
    ]
    params = [
        [p.name, p.kind, _cell(p.default) + (f" {p.unit}" if p.unit else ""), p.allowed(), p.help]
        for p in scenario.params
    ]
    lines = head + _section("Summary", _wrap(scenario.summary))
    lines += _section("When to use it", _wrap(scenario.when_to_use))
    lines += _section(
        "Parameters (--set NAME=VALUE)",
        format_table(["name", "type", "default", "allowed", "meaning"], params)
        if params
        else ["none"],
    )
    lines += _section("Code", scenario.code().rstrip("\n").splitlines(), indent="    ")
    return "\n".join(lines)


# --- a run's report -----------------------------------------------------------------------------


def render_report(report: Any, scenario: Any, verbose: bool = False) -> str:
    """The human-readable report: summary, output, errors, the scenario's table, notes."""
    env = report.environment
    params = ", ".join(f"{name}={_cell(value)}" for name, value in report.params.items()) or "none"
    lines = [
        f"{scenario.id}: {scenario.title} — {report.state} in {seconds(report.duration_s)}",
        f"parameters: {params}; pool sizes: {', '.join(map(str, report.pool_sizes))}; "
        f"repeats: {report.repeats}",
        f"Python {env.get('python')} on {env.get('platform')}, {env.get('cpu_count')} CPUs, "
        f"start method {env.get('start_method')}, GIL {'on' if env.get('gil_enabled') else 'off'}",
    ]
    if env.get("executable") or env.get("gil"):
        lines.append(
            f"interpreter: {env.get('executable', '?')}; "
            f"{(env.get('gil') or {}).get('summary', 'GIL verdict not recorded')}"
        )
    if env.get("timing_loop") == "python":
        lines.append(f"task timing: {PYTHON_LOOP_NOTE}")
    lines += _section("Summary", _summary_lines(report.summary))
    lines += _why_lines(report)
    lines += _hop_lines(report)
    lines += _output_lines(report.output)
    lines += _error_lines(report.errors, verbose)
    if report.table_columns:
        lines += _section(
            "Results",
            format_table(report.table_columns, report.table_rows, MAX_TABLE_ROWS, MAX_CELL),
        )
    if report.notes:
        notes: list[str] = []
        for note in report.notes:
            wrapped = _wrap(note)
            notes += ["- " + wrapped[0], *("  " + rest for rest in wrapped[1:])]
        lines += _section("Notes", notes)
    return "\n".join(lines)


def _why_lines(report: Any) -> list[str]:
    """The "Why not N×" section (issue 14): imported here, after the run, because it needs
    numpy and ``list``/``show`` must start fast."""
    lines = getattr(report, "why", None)
    if not lines and getattr(report, "runs", None):  # a report read back: make them again
        from ..engine.why_not import why_lines

        lines = why_lines(report)
    return _section("Why not N×", lines) if lines else []


def _hop_lines(report: Any) -> list[str]:
    """ "Where the time went" (issue 14): the process measurements' hops, as shares of the
    chunks' time from submit to result received (engine/hops.py)."""
    from ..engine.hops import PARTS, hop_rows

    rows = hop_rows(entry.measurement for entry in getattr(report, "runs", ()))
    if not rows:
        return []
    table = [
        [row.series, row.backend, row.pool_size, row.repeats, seconds(row.startup_s)]
        + [_share(row, part) for part in PARTS]
        + [_size(row.args_bytes), _size(row.result_bytes), _size(row.bytes_per_s) + "/s"]
        for row in rows
    ]
    columns = ["series", "backend", "pool size", "repeats", "startup"]
    columns += ["queued", "pickle args", "transfer", "running", "pickle results", "returned"]
    columns += ["sent", "received", "rate"]
    note = (
        "Each part's share of the chunks' time from submit to result received, over the "
        "repeats (lowest–highest repeat); startup is apart, before the first chunk."
    )
    return _section("Where the time went", [*format_table(columns, table), *_wrap(note)])


def _share(row: Any, part: str) -> str:
    low, high = row.share_range[part]
    return f"{100 * row.shares[part]:.0f} % ({100 * low:.0f}–{100 * high:.0f})"


def _size(count: float) -> str:
    for unit in ("B", "kB", "MB"):
        if count < 1000 or unit == "MB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} MB"


def _summary_lines(summary: Sequence[Any]) -> list[str]:
    if not summary:
        return ["no measurement completed"]
    rows = [
        [
            row.series,
            row.backend,
            row.pool_size,
            row.repeats,
            seconds(row.median_s),
            seconds(row.min_s),
            seconds(row.max_s),
            seconds(row.mad_s),
            seconds(row.startup_s),
            _ratio(row.speedup, "×"),
            _ratio(row.ideal_speedup, "×"),
            "-" if row.efficiency is None else f"{100 * row.efficiency:.1f} %",
            "⚠ noisy" if row.noisy else "",
        ]
        for row in summary
    ]
    columns = [
        "series",
        "backend",
        "pool size",
        "repeats",
        "median",
        "min",
        "max",
        "MAD",
        "startup",
        "speedup",
        "ideal",
        "efficiency",
        "",
    ]
    lines = format_table(columns, rows)
    noisy = [row for row in summary if row.noisy]
    if noisy:
        lines.append(
            "⚠ noisy: the repeats disagree widely; rerun with more --repeat or on a "
            "quieter machine before trusting the difference:"
        )
        for row in noisy:
            lines.append(f"  {row.series} · {row.backend} × {row.pool_size}: {noise_reason(row)}")
    return lines


def _output_lines(output: Sequence[str]) -> list[str]:
    if not output:
        return []
    shown = list(output[:MAX_OUTPUT_LINES])
    if len(output) > MAX_OUTPUT_LINES:
        shown.append(f"… {len(output) - MAX_OUTPUT_LINES} more lines (all of them are in --json)")
    count = f"{len(output)} line" + ("s" if len(output) != 1 else "")
    return _section(f"Output ({count})", shown)


def _error_lines(errors: Sequence[Any], verbose: bool) -> list[str]:
    if not errors:
        return []
    lines: list[str] = []
    for number, record in enumerate(errors, 1):
        where = [
            f"task {record.task}" if record.task is not None else "",
            record.worker,
            f"exit code {record.exitcode}" if record.exitcode is not None else "",
        ]
        detail = ", ".join(part for part in where if part)
        lines.append(
            f"{number}. [{record.origin}] {record.type}: {record.message}"
            + (f" ({detail})" if detail else "")
        )
        if verbose and record.traceback:
            lines += ["     " + line for line in record.traceback.rstrip("\n").splitlines()]
    if not verbose and any(record.traceback for record in errors):
        lines.append("(run with -v to see each worker's own traceback)")
    return _section(f"Errors ({len(errors)})", lines)
