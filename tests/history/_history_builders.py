"""Runs to save: real RunReport objects with spans, errors, results and notes, built fast.

Span times are made the way ``time.perf_counter()`` makes them (whole nanoseconds divided by
1e9), so a round trip through the store must give them back bit for bit.
"""

from __future__ import annotations

from array import array

import numpy as np

from desktop_app.engine.outputs.report import RunEntry, RunReport
from desktop_app.engine.records import ErrorRecord, Measurement, SpanTable, TaskSpan
from desktop_app.engine.stats import summarize


def perf_spans(count: int, workers: int = 3, seed: int = 0, origin_ns: int = 5_000_000_000_000):
    """A table of ``count`` spans interleaved over ``workers`` processes, as a pool makes them."""
    rng = np.random.default_rng(seed)
    worker = rng.integers(0, workers, count)
    duration = rng.gamma(4.0, 40_000.0, count).astype(np.int64) + 1_000  # ns
    start = origin_ns + np.cumsum(rng.integers(1_000, 30_000, count))
    share = rng.uniform(0.3, 1.0, count)  # on-CPU share: thread workers wait for the GIL
    table = SpanTable()
    for index in range(count):
        thread = "MainThread" if worker[index] else f"ThreadPoolExecutor-0_{index % 2}"
        table.append(
            TaskSpan(
                task=index,
                pid=4_000 + int(worker[index]),
                thread=thread,
                start=int(start[index]) / 1e9,
                end=int(start[index] + duration[index]) / 1e9,
                ok=bool(index % 97),
                on_cpu=float(share[index]),
            )
        )
    return table


def big_table(count: int, workers: int = 4, seed: int = 0) -> SpanTable:
    """Like :func:`perf_spans` but column-wise, fast enough for a million spans."""
    rng = np.random.default_rng(seed)
    table = SpanTable()
    per = count // workers
    origin = 7_000_000_000_000
    for w in range(workers):
        duration = rng.gamma(4.0, 40_000.0, per).astype(np.int64) + 1_000
        gap = rng.integers(500, 8_000, per)
        start = origin + np.cumsum(duration + gap) - duration
        table.extend_chunk(
            w * per,
            4_000 + w,
            "MainThread",
            array("d", (start / 1e9).tolist()),
            array("d", ((start + duration) / 1e9).tolist()),
            array("b", [1]) * per,
            # a CPU-bound pool: each task on a CPU for 90-100 % of its wall time
            array("d", rng.uniform(0.9, 1.0, per).tolist()),
        )
    return table


def make_report(
    scenario: str = "pool-timing",
    walls: dict[tuple[str, str, int], list[float]] | None = None,
    spans_per_repeat: int = 20,
    state: str = "completed",
) -> RunReport:
    """A report with every field filled: runs with spans and results, summary, errors, output."""
    walls = walls or {
        ("square", "serial", 1): [0.010, 0.011, 0.012],
        ("square", "pool", 2): [0.006, 0.007, 0.0065],
    }
    origin = 5_000.0
    report = RunReport(
        scenario=scenario,
        params={"n": 10, "workload": "square", "ratio": 0.5, "label": "ünïcode ✓"},
        pool_sizes=tuple(sorted({key[2] for key in walls})),
        repeats=max(len(v) for v in walls.values()),
        state=state,
        origin=origin,
        duration_s=1.25,
    )
    seed = 0
    measurements = []
    for (series, backend, pool_size), values in walls.items():
        for repeat, wall in enumerate(values):
            seed += 1
            m = Measurement(series, backend, pool_size, repeat, wall, 0.001, "completed", 3)
            measurements.append(m)
            spans = perf_spans(spans_per_repeat, seed=seed, origin_ns=5_000_000_000_000 + seed)
            results = [1, 2**70, "text", None, [1.5, {"k": True}]]
            report.runs.append(RunEntry(m, spans, results))
    report.summary = summarize(measurements)
    report.errors.append(
        ErrorRecord(
            "process",
            "ValueError",
            "bad input",
            "Traceback…\nValueError: bad input",
            3,
            "pid 4001",
            4001,
            None,
            "map",
            1.7e9,
        )
    )
    report.output += ["line one", "line two ✓"]
    report.table_columns = ["x", "y"]
    report.table_rows = [(1, "a"), (2, "b")]
    report.notes.append("A note.")
    return report


def heavy_report(spans: int) -> RunReport:
    """One repeat holding ``spans`` spans: to fill a database fast."""
    report = make_report(walls={("cpu", "pool", 2): [1.0]}, spans_per_repeat=1)
    entry = report.runs[0]
    report.runs[0] = RunEntry(entry.measurement, big_table(spans, seed=spans), entry.results)
    return report
