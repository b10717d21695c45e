"""Is run B faster than run A? Per series and pool size: ratio of medians, interval, verdict.

The verdict comes from a stated test, never from eyeballing two medians: a two-sided
Mann-Whitney U test on the repeats' wall times at ``alpha`` (asv's choice; see
_mannwhitney.py), with the interval for the time ratio that inverts the same test, so the
interval excludes 1 exactly when the verdict is "faster" or "slower" (exact case). Raw repeats
are compared, not stored medians: that is why the store keeps every repeat.

Honest about small samples: with 3 repeats against 3 no ordering of the data can reach
p < 0.05, so the verdict is "too few repeats" rather than a silent "no difference".
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ._mannwhitney import mann_whitney, shift_interval, smallest_p

ALPHA = 0.05
FASTER, SLOWER, SAME = "faster", "slower", "no significant difference"
TOO_FEW, MISSING = "too few repeats", "not in both runs"
TEST_DESCRIPTION = (
    "two-sided Mann-Whitney U test on the repeats' wall times at alpha = {alpha:g} (exact "
    "without ties, normal approximation otherwise); the interval for the ratio inverts the "
    "same test (Hodges-Lehmann), so it excludes 1 when the verdict is faster or slower"
)

SeriesKey = tuple[str, str, int]  # series, backend, pool size


@dataclass(frozen=True)
class ComparisonRow:
    """One line of the comparison table: a candidate run against the baseline run.

    ``ratio`` is the candidate's median time over the baseline's (below 1: faster);
    ``ci_low``/``ci_high`` bound the time ratio at confidence 1 - alpha (None when the
    samples are too small); ``verdict`` is one of the module's verdict strings.
    """

    series: str
    backend: str
    pool_size: int
    baseline_id: int | None
    run_id: int | None
    baseline_repeats: int
    repeats: int
    baseline_median_s: float | None
    median_s: float | None
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    verdict: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def samples(document: dict[str, Any]) -> dict[SeriesKey, list[float]]:
    """Wall times of the completed repeats, per (series, backend, pool size), in run order."""
    out: dict[SeriesKey, list[float]] = {}
    for run in document.get("runs", []):
        key = (str(run.get("series", "")), str(run.get("backend", "")), int(run["pool_size"]))
        values = out.setdefault(key, [])
        wall = run.get("wall_s")
        if run.get("state", "completed") == "completed" and _positive(wall):
            values.append(float(wall))
    return out


def compare_documents(
    baseline: dict[str, Any],
    candidate: dict[str, Any],
    alpha: float = ALPHA,
    baseline_id: int | None = None,
    run_id: int | None = None,
) -> list[ComparisonRow]:
    """Rows for every series and pool size in either run, in the baseline's order first."""
    base, other = samples(baseline), samples(candidate)
    keys = list(base) + [key for key in other if key not in base]
    return [
        compare_samples(key, base.get(key, []), other.get(key, []), alpha, baseline_id, run_id)
        for key in keys
    ]


def compare_many(
    documents: Sequence[tuple[int | None, dict[str, Any]]], alpha: float = ALPHA
) -> list[ComparisonRow]:
    """The first (id, document) is the baseline; every other run is compared with it."""
    if len(documents) < 2:
        raise ValueError("a comparison needs at least two runs")
    (base_id, base), *others = documents
    rows: list[ComparisonRow] = []
    for run_id, document in others:
        rows += compare_documents(base, document, alpha, base_id, run_id)
    return rows


def compare_samples(
    key: SeriesKey,
    base: Sequence[float],
    other: Sequence[float],
    alpha: float = ALPHA,
    baseline_id: int | None = None,
    run_id: int | None = None,
) -> ComparisonRow:
    """The verdict for one series and pool size (see the module docstring for the rule)."""
    series, backend, pool_size = key
    row: dict[str, Any] = {
        "series": series,
        "backend": backend,
        "pool_size": pool_size,
        "baseline_id": baseline_id,
        "run_id": run_id,
        "baseline_repeats": len(base),
        "repeats": len(other),
        "baseline_median_s": statistics.median(base) if base else None,
        "median_s": statistics.median(other) if other else None,
        "ratio": None,
        "ci_low": None,
        "ci_high": None,
        "p_value": None,
    }
    if not base or not other:
        which = "the baseline" if not base else "this run"
        return ComparisonRow(**row, verdict=MISSING, reason=f"no completed repeat in {which}")
    row["ratio"] = row["median_s"] / row["baseline_median_s"]
    floor = smallest_p(len(base), len(other))
    if floor >= alpha:
        return ComparisonRow(
            **row,
            verdict=TOO_FEW,
            reason=f"with {len(base)} and {len(other)} repeats no result can reach "
            f"p < {alpha:g} (the smallest possible p is {floor:.2g}); repeat more",
        )
    log_base = [math.log(value) for value in base]
    log_other = [math.log(value) for value in other]
    test = mann_whitney(log_base, log_other)
    interval = shift_interval(log_base, log_other, alpha)
    if interval is not None:
        row["ci_low"], row["ci_high"] = math.exp(interval[0]), math.exp(interval[2])
    row["p_value"] = test.p_value
    if test.p_value >= alpha:
        reason = f"p = {test.p_value:.3g} >= {alpha:g} ({test.method} test)"
        return ComparisonRow(**row, verdict=SAME, reason=reason)
    shift = interval[1] if interval is not None else math.log(row["ratio"])
    verdict = FASTER if shift < 0 else SLOWER
    reason = f"p = {test.p_value:.3g} < {alpha:g} ({test.method} test)"
    return ComparisonRow(**row, verdict=verdict, reason=reason)


def describe_test(alpha: float = ALPHA) -> str:
    return TEST_DESCRIPTION.format(alpha=alpha)


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def verdict_counts(rows: Iterable[ComparisonRow]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.verdict] = counts.get(row.verdict, 0) + 1
    return counts
