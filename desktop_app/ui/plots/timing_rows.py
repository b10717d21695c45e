"""The timing plot's data side: rows grouped per (series, backend), what each series is bound
by, and the one-worker baseline. Plain functions, kept apart from the widget.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ...engine.executors import kind_names
from ...engine.stats import SummaryRow, ideal_speedup

Key = tuple[str, str]  # (series, backend)


def size_of(row: SummaryRow) -> int:
    """Serial runs are one worker whatever pool size the sweep was at."""
    return 1 if row.backend == "serial" else row.pool_size


def group_rows(rows: Iterable[SummaryRow]) -> dict[Key, list[SummaryRow]]:
    groups: dict[Key, list[SummaryRow]] = {}
    for row in rows:
        groups.setdefault((row.series, row.backend), []).append(row)
    for group in groups.values():
        group.sort(key=size_of)
    return groups


_BACKEND_ORDER = {kind: index for index, kind in enumerate(kind_names())}  # registry order


def key_order(item: tuple[Key, list[SummaryRow]]) -> tuple:
    (series, backend), _ = item
    return series, _BACKEND_ORDER.get(backend, 9), backend


def bounds_of(groups: dict[Key, list[SummaryRow]]) -> dict[str, str]:
    """What each series is bound by ("cpu" or "io"), as its measurements recorded it: its
    pools' bound where it has pools (an experiment learns it from its first serial run, which
    was measured before it knew), else its serial run's."""
    bounds: dict[str, str] = {}
    pools_first = sorted(groups.items(), key=lambda item: item[0][1] == "serial")
    for (series, _), rows in pools_first:
        if rows:
            bounds.setdefault(series, rows[0].bound)
    return bounds


def baseline(
    series: str, groups: dict[Key, list[SummaryRow]], cores: int, bound: str = "cpu"
) -> float | None:
    """One-worker time of ``series``: the serial median, else scaled from the smallest pool
    by its ideal speedup."""
    serial = groups.get((series, "serial"))
    if serial:
        return serial[0].median_s
    candidates = [rows[0] for (s, _), rows in groups.items() if s == series and rows]
    if not candidates:
        return None
    first = min(candidates, key=size_of)
    return first.median_s * ideal_speedup(size_of(first), cores, bound)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k at or above ``value``: an axis top
    that holds still while the data moves a little, yet leaves at most a third unused."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10.0 * power
