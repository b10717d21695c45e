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
    # Added last with a default, so rows built by older code still construct: "cpu" work is
    # capped at the core count, "io" (waiting) is not (see ``ideal_speedup``).
    bound: str = "cpu"

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
            "bound": self.bound,
        }


def cpu_count() -> int:
    return os.cpu_count() or 1


def ideal_speedup(pool_size: int, cores: int | None = None, bound: str = "cpu") -> float:
    """Perfect scaling of ``pool_size`` workers.

    CPU-bound work stops at the number of cores: more workers only take turns. I/O-bound work
    waits, and waiting needs no core, so p workers can wait p times as fast: serial / p.
    """
    if bound == "io":
        return float(pool_size)
    return float(min(pool_size, cores or cpu_count()))


IDEAL_MODELS = {"cpu": "min(p, cores)", "io": "p"}  # the ideal speedup's formula, for labels


def ideal_model(bound: str) -> str:
    """The ideal speedup's formula for ``bound`` work, as the views and reports name it."""
    return IDEAL_MODELS.get(bound, IDEAL_MODELS["cpu"])


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


def noise_reason(row: SummaryRow) -> str:
    """Why ``row`` is flagged noisy, in words with its numbers ('' when it is not).

    Worked out again from the row's own spread, so every view that shows the flag gives the
    same reason as :func:`is_noisy` decided it by.
    """
    if not row.noisy or row.median_s <= 0:
        return ""
    reasons = []
    mad_ratio = row.mad_s / row.median_s
    range_ratio = (row.max_s - row.min_s) / row.median_s
    if mad_ratio > NOISY_MAD_RATIO:
        reasons.append(f"MAD {mad_ratio:.0%} of the median (over {NOISY_MAD_RATIO:.0%})")
    if range_ratio > NOISY_RANGE_RATIO:
        reasons.append(f"max − min {range_ratio:.0%} of the median (over {NOISY_RANGE_RATIO:.0%})")
    return f"noisy over {row.repeats} repeats: " + "; ".join(reasons)


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
                ideal_speedup=ideal_speedup(effective, cores, group[0].bound),
                noisy=is_noisy(walls),
                bound=group[0].bound,
            )
        )
    return rows
