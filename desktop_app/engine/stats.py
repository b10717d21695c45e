"""Statistics over repeats: median, spread, speedup, efficiency and a noise flag.

Median and MAD rather than mean and standard deviation because a single slow repeat (another
program waking up) should not move the answer; the noise flag follows pyperf and hyperfine in
warning when repeats disagree instead of silently averaging them.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from .records import Measurement

NOISY_MAD_RATIO = 0.10  # MAD above 10 % of the median
NOISY_RANGE_RATIO = 0.50  # or max - min above 50 % of the median


@dataclass(frozen=True, slots=True)
class SummaryRow:
    series: str
    backend: str
    pool_size: int
    repeats: int
    median_s: float
    min_s: float
    max_s: float
    mad_s: float
    startup_s: float
    speedup: float | None
    efficiency: float | None
    ideal_speedup: float
    noisy: bool

    def to_json(self) -> dict:
        return {
            "series": self.series,
            "backend": self.backend,
            "pool_size": self.pool_size,
            "repeats": self.repeats,
            "median_s": self.median_s,
            "min_s": self.min_s,
            "max_s": self.max_s,
            "mad_s": self.mad_s,
            "startup_s": self.startup_s,
            "speedup": self.speedup,
            "efficiency": self.efficiency,
            "ideal_speedup": self.ideal_speedup,
            "noisy": self.noisy,
        }


def cpu_count() -> int:
    return os.cpu_count() or 1


def ideal_speedup(pool_size: int, cores: int | None = None) -> float:
    """Perfect scaling stops at the number of cores: more workers only take turns."""
    return float(min(pool_size, cores or cpu_count()))


def mad(values: list[float]) -> float:
    """Median absolute deviation from the median."""
    centre = statistics.median(values)
    return statistics.median(abs(value - centre) for value in values)


def is_noisy(values: list[float]) -> bool:
    if len(values) < 3:
        return False
    centre = statistics.median(values)
    if centre <= 0:
        return False
    return mad(values) / centre > NOISY_MAD_RATIO or (max(values) - min(values)) / centre > (
        NOISY_RANGE_RATIO
    )


def summarize(
    measurements: Iterable[Measurement],
    cores: int | None = None,
    *,
    serial_as_one_worker: bool = False,
) -> list[SummaryRow]:
    """One row per (series, backend, pool size) over its completed repeats: the one place that
    summarizes, for the report and the timing plot alike.

    Speedup is against the ``serial`` backend of the same series, when the run measured one.
    ``serial_as_one_worker`` pools a sweep's serial runs into one row at size 1 (serial is one
    worker whatever size the sweep was at), as the timing plot draws them; the report keeps a
    row per size.
    """
    groups: dict[tuple[str, str, int], list[Measurement]] = {}
    for m in measurements:
        if m.state == "completed":
            size = 1 if serial_as_one_worker and m.backend == "serial" else m.pool_size
            groups.setdefault((m.series, m.backend, size), []).append(m)
    baselines = {
        series: statistics.median(x.wall_s for x in group)
        for (series, backend, _), group in groups.items()
        if backend == "serial"
    }
    rows = []
    for (series, backend, pool_size), group in groups.items():
        walls = [m.wall_s for m in group]
        median = statistics.median(walls)
        baseline = baselines.get(series)
        speedup = baseline / median if baseline is not None and median > 0 else None
        effective = 1 if backend == "serial" else pool_size
        rows.append(
            SummaryRow(
                series=series,
                backend=backend,
                pool_size=pool_size,
                repeats=len(group),
                median_s=median,
                min_s=min(walls),
                max_s=max(walls),
                mad_s=mad(walls),
                startup_s=max(m.startup_s for m in group),
                speedup=speedup,
                efficiency=speedup / effective if speedup is not None else None,
                ideal_speedup=ideal_speedup(effective, cores),
                noisy=is_noisy(walls),
            )
        )
    return rows
