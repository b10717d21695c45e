"""The timing lessons' results-table cells: the numbers a learner needs to trust a row.

Efficiency in percent as the plot shows it (a fraction rounded to two places read "0" at pool
size 8), the repeats and their spread (MAD), and the noisy flag with its reason: a number in
the table is never shown without how much it can be trusted.
"""

from __future__ import annotations

from typing import Any

from ..engine.stats import SummaryRow, noise_reason

SPREAD_COLUMNS = ("repeats", "MAD (s)")
SCALING_COLUMNS = ("speedup", "ideal", "efficiency (%)", "noisy")


def fixed(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def spread_cells(row: SummaryRow) -> list[Any]:
    return [row.repeats, fixed(row.mad_s, 6)]


def scaling_cells(row: SummaryRow) -> list[Any]:
    """Speedup, the ideal it is measured against, efficiency in % and why the row is noisy."""
    efficiency = None if row.efficiency is None else fixed(100.0 * row.efficiency, 1)
    return [fixed(row.speedup, 2), fixed(row.ideal_speedup, 2), efficiency, noise_reason(row)]
