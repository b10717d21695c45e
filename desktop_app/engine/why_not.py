"""Why not N×: the gap between a measurement's ideal and measured wall time, split by cause.

For a pool of ``n`` workers the worker-seconds of a map are ``n × wall``. Each worker spends
them running tasks (on a CPU, or waiting inside a task: for the GIL or a lock on threads, for a
core on processes when other programs hold them), idle before and between its tasks (the
pool's overhead: sending tasks, pickling, queueing, collecting results), or idle after its last
task while others still run (load imbalance, stragglers). Averaged over the workers these are
seconds of the wall time; what they do not explain (tasks computing longer than in the serial
run: shared caches, a slower core) is "the rest". Start-up (making the pool) is outside the
timed map and is reported beside the gap, not in it. More CPU-bound workers than cores take
turns on them by design (the ideal is already serial ÷ cores): only waiting beyond those turns
counts.

Qt-free: the CLI's "Why" section and the window read the same numbers.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .executors import UnknownKindError, executor_class
from .outputs.report import RunEntry, RunReport
from .records import SpanTable
from .scaling_fit import Fit, bootstrap_speedup, fit
from .stats import SummaryRow, cpu_count

PARTS = ("overhead", "imbalance", "waiting", "rest")
OTHER_PROGRAMS_SHARE = 0.10  # waiting above this part of the wall on processes: flagged


@dataclass(frozen=True, slots=True)
class Gap:
    """One measurement's ideal and measured wall time and the gap's parts (seconds)."""

    series: str
    backend: str
    pool_size: int
    measured_s: float
    ideal_s: float
    startup_s: float
    parts: dict[str, float]
    waiting_for: str  # "the GIL or a lock", "a core (other programs)" or "" (I/O work)
    other_programs: bool  # processes waited for cores: another program held them
    no_split: str = ""  # why ``parts`` is empty, in words ("" when it is not)

    @property
    def gap_s(self) -> float:
        return self.measured_s - self.ideal_s


def worker_seconds(spans: SpanTable, pool_size: int, wall: float, bound: str) -> dict[str, float]:
    """The parts of ``pool_size × wall`` worker-seconds, summed over the workers (see module).
    Column-wise (numpy): a million spans take milliseconds, not a Python loop per span."""
    if not len(spans):
        return dict.fromkeys(("busy", "busy_measured", "waiting", "overhead", "imbalance"), 0.0)
    start = np.frombuffer(spans.start, np.float64)
    end = np.frombuffer(spans.end, np.float64)
    share = np.frombuffer(spans.on_cpu, np.float64)
    key = np.frombuffer(spans.pid, np.int32).astype(np.int64) << 16
    key |= np.frombuffer(spans.thread_index, np.uint16)
    _, row = np.unique(key, return_inverse=True)
    row = row.ravel()
    workers = int(row.max()) + 1
    duration = np.maximum(end - start, 0.0)
    first, last = float(start.min()), float(end.max())
    worked = np.bincount(row, duration, workers)
    ends = np.full(workers, -np.inf)
    np.maximum.at(ends, row, end)
    waiting = 0.0
    known = share >= 0
    if bound == "cpu":
        waiting = float(((1.0 - np.minimum(share, 1.0)) * duration)[known].sum())
    outside = max(wall - (last - first), 0.0)  # dispatch before the first task, collection after
    gaps = float(np.maximum(ends - first - worked, 0.0).sum())
    tail = float((last - ends).sum()) + max(pool_size - workers, 0) * (last - first)
    return {
        "busy": float(worked.sum()),
        "busy_measured": float(duration[known].sum()),  # of spans whose CPU share is known
        "waiting": waiting,
        "overhead": gaps + pool_size * outside,
        "imbalance": tail,
    }


def _one_task_at_a_time(backend: str) -> bool:
    """Whether each worker of ``backend`` runs one task at a time on a thread of its own (not
    asyncio's coroutines, which share one thread), as the worker-seconds account needs."""
    try:
        return executor_class(backend).workers in ("threads", "processes", "interpreters")
    except UnknownKindError:
        return False


def _no_split(entry: RunEntry) -> str:
    """Why ``entry``'s gap cannot be split by cause, in words ("" when it can)."""
    if not _one_task_at_a_time(entry.measurement.backend):
        return "its workers share one thread: no split by worker"
    if not len(entry.spans) and entry.measurement.task_count:
        return "its task spans were not kept (pruned from the history): no split by cause"
    return ""


def gap_of(entry: RunEntry, serial_s: float, row: SummaryRow) -> Gap:
    """The gap of one measurement (the caller picks a representative repeat). Its parts are
    left empty, with the reason in ``no_split``, where the workers share a thread (asyncio:
    they have no worker-seconds of their own) or the spans were not kept."""
    m = entry.measurement
    n = max(m.pool_size, 1)
    ideal_s = serial_s / row.ideal_speedup if row.ideal_speedup > 0 else serial_s
    no_split = _no_split(entry)
    if no_split:
        return Gap(
            m.series, m.backend, m.pool_size, m.wall_s, ideal_s, m.startup_s, {}, "", False,
            no_split,
        )  # fmt: skip
    seconds = worker_seconds(entry.spans, n, m.wall_s, m.bound)
    # More workers than the ideal speedup (CPU-bound work beyond the cores) must take turns
    # on the cores: that waiting is already in the ideal (serial ÷ cores), not in the gap.
    # Only the waiting beyond it is a cause: the GIL or a lock, or other programs' load; it
    # is core time lost, so it becomes wall time over the cores that could run, not over n.
    running = min(float(n), row.ideal_speedup) if row.ideal_speedup > 0 else float(n)
    turns = seconds["busy_measured"] * max(0.0, 1.0 - running / n) if m.bound == "cpu" else 0.0
    parts = {
        "overhead": seconds["overhead"] / n,
        "imbalance": seconds["imbalance"] / n,
        "waiting": max(seconds["waiting"] - turns, 0.0) / running,
    }
    parts["rest"] = (m.wall_s - ideal_s) - sum(parts.values())
    threads = m.backend in ("threads",)
    waiting_for = "" if m.bound != "cpu" else ("the GIL or a lock" if threads else "a core")
    other = not threads and m.bound == "cpu" and parts["waiting"] > OTHER_PROGRAMS_SHARE * m.wall_s
    return Gap(
        m.series, m.backend, m.pool_size, m.wall_s, ideal_s, m.startup_s, parts, waiting_for, other
    )


def _median_entry(entries: Sequence[RunEntry]) -> RunEntry:
    ordered = sorted(entries, key=lambda e: e.measurement.wall_s)
    return ordered[(len(ordered) - 1) // 2]


@dataclass(frozen=True, slots=True)
class SeriesWhy:
    """Everything "why" knows about one (series, backend) sweep."""

    series: str
    backend: str
    gaps: list[Gap]
    intervals: dict[int, tuple[float, float]]  # pool size -> 95 % bootstrap speedup interval
    amdahl: Fit | None
    usl: Fit | None
    serial_s: float = 0.0  # the serial baseline's median wall time
    serial_waiting_s: float = 0.0  # and its own waiting for a core (other programs)


def explain(report: RunReport) -> list[SeriesWhy]:
    """Gaps, speedup intervals and fits for every (series, backend) with a serial baseline."""
    done = [e for e in report.runs if e.measurement.state == "completed"]
    serial: dict[str, list[float]] = {}
    serial_waits: dict[str, list[float]] = {}
    for entry in done:
        m = entry.measurement
        if m.backend == "serial":
            serial.setdefault(m.series, []).append(m.wall_s)
            waits = worker_seconds(entry.spans, 1, m.wall_s, m.bound)["waiting"]
            serial_waits.setdefault(m.series, []).append(waits)
    rows = {(r.series, r.backend, r.pool_size): r for r in report.summary}
    groups: dict[tuple[str, str], dict[int, list[RunEntry]]] = {}
    for entry in done:
        m = entry.measurement
        if m.backend != "serial" and m.series in serial:
            groups.setdefault((m.series, m.backend), {}).setdefault(m.pool_size, []).append(entry)
    out = []
    for (series, backend), sizes in groups.items():
        serial_s = statistics.median(serial[series])
        gaps, intervals, points = [], {}, []
        for size, entries in sorted(sizes.items()):
            row = rows.get((series, backend, size))
            if row is None:
                continue
            gaps.append(gap_of(_median_entry(entries), serial_s, row))
            walls = [e.measurement.wall_s for e in entries]
            # One repeat on either side: nothing to resample (a zero-width "interval" of one
            # ratio would look like certainty): no interval, as the plot draws no bar.
            enough = len(serial[series]) > 1 and len(walls) > 1
            intervals[size] = (
                bootstrap_speedup(serial[series], walls) if enough else (math.nan, math.nan)
            )
            # Fitted on the workers that can run at once (the ideal speedup: the cores, for
            # CPU-bound work), not the pool size: 8 workers on 2 cores flatten at 2 because of
            # the machine, which a serial fraction or a coherence cost must not be made to say.
            points.append((row.ideal_speedup, serial_s / statistics.median(walls)))
        amdahl, usl = fits_of(points)
        baseline_wait = statistics.median(serial_waits[series])
        out.append(
            SeriesWhy(series, backend, gaps, intervals, amdahl, usl, serial_s, baseline_wait)
        )
    return out


def fits_of(points: Sequence[tuple[float, float]]) -> tuple[Fit | None, Fit | None]:
    """Amdahl and USL fitted to (workers that run at once, speedup) points: Amdahl from two
    distinct worker counts on, USL (two parameters) from three; ``None`` below that."""
    distinct = len({workers for workers, _ in points})
    if distinct < 2:
        return None, None
    workers, speedups = zip(*points, strict=True)
    usl = fit("usl", workers, speedups) if distinct >= 3 else None
    return fit("amdahl", workers, speedups), usl


def _ms(value: float) -> str:
    return f"{value * 1e3:.1f} ms"


def why_of(report: RunReport) -> tuple[list[str], list[dict[str, Any]]]:
    """The words (:func:`why_lines`) and the bars (:func:`why_bars`) of one explanation."""
    whys = explain(report)
    return why_lines(report, whys), why_bars(whys)


def why_bars(whys: list[SeriesWhy]) -> list[dict[str, Any]]:
    """One plain-data row per measurement for the window's "Why not N×" view: the ideal, the
    gap's parts and what was measured, in seconds, with the speedup's interval. Plain data, so
    a report from a run host under another Python unpickles in the window's."""
    rows = []
    for why in whys:
        for gap in why.gaps:
            low, high = why.intervals.get(gap.pool_size, (float("nan"), float("nan")))
            rows.append(
                {
                    "series": gap.series,
                    "backend": gap.backend,
                    "pool_size": gap.pool_size,
                    "measured_s": gap.measured_s,
                    "ideal_s": gap.ideal_s,
                    "startup_s": gap.startup_s,
                    "parts": dict(gap.parts),
                    "waiting_for": gap.waiting_for,
                    "other_programs": gap.other_programs,
                    "speedup_ci": (low, high),
                }
            )
    return rows


def why_lines(report: RunReport, whys: list[SeriesWhy] | None = None) -> list[str]:
    """The CLI's short "Why" section: plain words, one block per sweep."""
    lines: list[str] = []
    cores = int(report.environment.get("cpu_count") or cpu_count())
    for why in explain(report) if whys is None else whys:
        lines.append(f"{why.series} on {why.backend}:")
        if why.serial_waiting_s > OTHER_PROGRAMS_SHARE * why.serial_s:
            lines.append(
                f"  the serial baseline itself waited {_ms(why.serial_waiting_s)} for a core: "
                "other programs slowed both, so 'the rest' can come out negative"
            )
        for gap in why.gaps:
            low, high = why.intervals.get(gap.pool_size, (math.nan, math.nan))
            interval = (
                f"speedup 95 % CI {low:.2f}–{high:.2f}"
                if math.isfinite(low) and math.isfinite(high)
                else "one repeat: no interval on the speedup"
            )
            head = (
                f"  × {gap.pool_size}: {_ms(gap.measured_s)} against an ideal {_ms(gap.ideal_s)} "
                f"({interval})"
            )
            p = gap.parts
            if not p:
                lines.append(f"{head}; {gap.no_split}")
                continue
            waiting = (
                f", waiting for {gap.waiting_for} {_ms(p['waiting'])}" if gap.waiting_for else ""
            )
            lines.append(
                f"{head}; the gap of {_ms(gap.gap_s)} is "
                f"overhead (sending, pickling, queueing) {_ms(p['overhead'])}, load imbalance "
                f"(workers idle at the end) {_ms(p['imbalance'])}{waiting}, the rest "
                f"{_ms(p['rest'])}; {_startup_words(gap.startup_s)}."
            )
            if gap.other_programs:
                lines.append("    other programs held the cores: the processes waited for them")
        if why.amdahl is not None and why.amdahl.values[0] > 1:
            # a sweep slower in parallel than serially: no serial fraction (0..1) describes it
            lines.append(
                "  Amdahl: does not apply: the sweep never beat the serial run (the overhead "
                "outweighs the work), so no serial fraction describes it"
            )
        elif why.amdahl is not None:
            s = why.amdahl.values[0]
            low, high = why.amdahl.interval("serial_fraction")
            limit = f"{1 / s:.1f}×" if s > 1e-3 else "no limit"
            lines.append(
                f"  Amdahl: serial fraction {s:.3f} (95 % {max(low, 0):.3f}–{min(high, 1):.3f}): "
                f"at most {limit} however many workers ({cores} cores here)"
            )
        if why.usl is not None:
            lines.append("  " + usl_words(why.usl))
    return lines


def usl_words(usl: Fit) -> str:
    """The USL fit in a line: each parameter with its error, or where it was held at the edge
    of its meaning (scaling_fit's bounds) and what that says."""
    (sigma, kappa), (d_sigma, d_kappa) = usl.values, usl.errors
    held = usl.at_bound or (False, False)
    parts = [
        f"contention {sigma:.3f}"
        + (
            (" (held at 1: no speedup at all)" if sigma >= 1 else " (held at 0: none seen)")
            if held[0]
            else f" ± {d_sigma:.3f}"
        ),
        f"coherence {kappa:.4f}" + (" (held at 0: none seen)" if held[1] else f" ± {d_kappa:.4f}"),
    ]
    note = ""
    if (not held[0] and d_sigma > abs(sigma)) or (not held[1] and d_kappa > abs(kappa)):
        note = " (undetermined: too few pool sizes or too noisy for this model)"
    return f"USL: {', '.join(parts)}{note}"


def _startup_words(startup_s: float) -> str:
    """The pool's start-up beside the gap; a warm pool (started at an earlier repeat) says so
    rather than "took 0.0 ms", which read as if starting it were free."""
    if startup_s < 5e-5:
        return "the pool was already running (started at an earlier repeat)"
    return f"starting the pool took {_ms(startup_s)} besides"
