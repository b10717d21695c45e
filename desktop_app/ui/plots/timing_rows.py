"""The timing plot's data side: rows grouped per (series, backend), the one-worker baseline,
and where a legend hides the fewest points. Plain functions, kept apart from the widget.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pyqtgraph as pg

from ...engine.records import Measurement
from ...engine.stats import SummaryRow

Key = tuple[str, str]  # (series, backend)


def place_legend(plot: pg.PlotItem, legend: pg.LegendItem) -> None:
    """Move ``legend`` to the corner of ``plot`` that hides the fewest data points."""
    (x0, x1), (y0, y1) = plot.getViewBox().viewRange()
    box = plot.getViewBox().boundingRect()
    if box.width() <= 0 or box.height() <= 0 or x1 <= x0 or y1 <= y0:
        return
    fx = min(legend.boundingRect().width() / box.width() + 0.04, 0.9)
    fy = min(legend.boundingRect().height() / box.height() + 0.04, 0.9)
    points = []
    for item in plot.listDataItems():
        if not item.isVisible():  # a curve kept for a later run
            continue
        x, y = item.getData()
        if x is not None and len(x):
            points.append(
                np.column_stack(
                    [(np.asarray(x) - x0) / (x1 - x0), (np.asarray(y) - y0) / (y1 - y0)]
                )
            )
    if not points:
        return
    xy = np.concatenate(points)
    corners = {(0, 1): 0, (1, 1): 0, (0, 0): 0, (1, 0): 0}  # (right?, top?) -> points covered
    for right, top in corners:
        in_x = xy[:, 0] >= 1 - fx if right else xy[:, 0] <= fx
        in_y = xy[:, 1] >= 1 - fy if top else xy[:, 1] <= fy
        corners[(right, top)] = int(np.count_nonzero(in_x & in_y))
    right, top = min(corners, key=corners.__getitem__)
    legend.anchor(
        itemPos=(right, 1 - top),
        parentPos=(right, 1 - top),
        offset=(-10 if right else 10, 10 if top else -10),
    )


def one_worker_serial(m: Measurement) -> Measurement:
    """A serial run is one worker at any sweep size: pool its repeats into one point."""
    return m if m.backend != "serial" or m.pool_size == 1 else replace(m, pool_size=1)


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


_BACKEND_ORDER = {"serial": 0, "threads": 1, "processes": 2, "pool": 3}


def key_order(item: tuple[Key, list[SummaryRow]]) -> tuple:
    (series, backend), _ = item
    return series, _BACKEND_ORDER.get(backend, 9), backend


def baseline(series: str, groups: dict[Key, list[SummaryRow]], cores: int) -> float | None:
    """One-worker time of ``series``: the serial median, else scaled from the smallest pool."""
    serial = groups.get((series, "serial"))
    if serial:
        return serial[0].median_s
    candidates = [rows[0] for (s, _), rows in groups.items() if s == series and rows]
    if not candidates:
        return None
    first = min(candidates, key=size_of)
    return first.median_s * min(size_of(first), cores)


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
