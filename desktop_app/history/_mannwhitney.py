"""The Mann-Whitney U test and its matching confidence interval, in plain Python and numpy.

Why this test: run times are skewed and a stray slow repeat is common, so a rank test that
assumes no distribution suits them (asv uses it to flag regressions). Why not scipy: the app
should not ship 40 MB for one test; tests/history checks these numbers against
``scipy.stats.mannwhitneyu``.

The p-value is two-sided: exact (the distribution of U counted with the q-binomial
recurrence) when there are no ties and the samples are small, otherwise the normal
approximation with tie and continuity corrections (as scipy computes them). The interval for
the shift between the samples inverts the same test (Bauer 1972, R's ``wilcox.test``): it
excludes 0 exactly when the exact test rejects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

EXACT_MAX_TOTAL = 60  # both samples together; beyond this the normal approximation is fine


@dataclass(frozen=True)
class MannWhitney:
    u1: float  # U of the first sample (scipy's ``statistic``)
    p_value: float  # two-sided
    method: str  # "exact" or "asymptotic"


def rank_with_ties(values: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Mid-ranks (1-based, ties share their average rank) and the sizes of the tie groups."""
    data = np.asarray(values, dtype=float)
    order = np.argsort(data, kind="mergesort")
    ranks = np.empty(len(data))
    sorted_data = data[order]
    bounds = np.flatnonzero(np.diff(sorted_data)) + 1
    starts = np.concatenate(([0], bounds))
    stops = np.concatenate((bounds, [len(data)]))
    for start, stop in zip(starts, stops, strict=True):
        ranks[order[start:stop]] = (start + stop + 1) / 2
    return ranks, (stops - starts)


@lru_cache(maxsize=256)
def u_counts(m: int, n: int) -> tuple[int, ...]:
    """How many orderings of m x's and n y's give U = 0, 1, …, m·n (exact integers).

    The generating function is the q-binomial coefficient prod_{i=1..m} (1 - q^(n+i)) /
    (1 - q^i); multiplying and dividing by those binomials term by term keeps integers exact.
    """
    size = m * n + 1
    coeffs = [0] * size
    coeffs[0] = 1
    for i in range(1, m + 1):
        step = n + i
        for j in range(size - 1, step - 1, -1):  # multiply by (1 - q^step)
            coeffs[j] -= coeffs[j - step]
        for j in range(i, size):  # divide by (1 - q^i)
            coeffs[j] += coeffs[j - i]
    return tuple(coeffs)


def exact_cdf(u: int, m: int, n: int) -> float:
    """P(U <= u) under the null hypothesis, no ties."""
    if u < 0:
        return 0.0
    counts = u_counts(min(m, n), max(m, n))
    return sum(counts[: u + 1]) / math.comb(m + n, m)


def mann_whitney(x: Sequence[float], y: Sequence[float], method: str = "auto") -> MannWhitney:
    """Two-sided Mann-Whitney U test of ``x`` against ``y``."""
    m, n = len(x), len(y)
    if m == 0 or n == 0:
        raise ValueError("both samples need at least one value")
    ranks, ties = rank_with_ties(list(x) + list(y))
    u1 = float(ranks[:m].sum() - m * (m + 1) / 2)
    u_big = max(u1, m * n - u1)
    has_ties = bool((ties > 1).any())
    if method == "auto":
        method = "exact" if not has_ties and m + n <= EXACT_MAX_TOTAL else "asymptotic"
    if method == "exact":
        p = 2 * (1 - exact_cdf(math.ceil(u_big) - 1, m, n))
    else:
        p = 2 * _normal_sf(_z(u_big, m, n, ties))
    return MannWhitney(u1, min(1.0, max(0.0, p)), method)


def _z(u: float, m: int, n: int, ties: np.ndarray) -> float:
    total = m + n
    tie_term = float((ties.astype(float) ** 3 - ties).sum())
    variance = m * n / 12 * ((total + 1) - tie_term / (total * (total - 1)))
    if variance <= 0:
        return 0.0  # every value equal: no evidence either way
    return (u - m * n / 2 - 0.5) / math.sqrt(variance)


def _normal_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def smallest_p(m: int, n: int) -> float:
    """The smallest two-sided p-value any data can reach with these sample sizes."""
    return min(1.0, 2 / math.comb(m + n, m))


def shift_interval(
    x: Sequence[float], y: Sequence[float], alpha: float
) -> tuple[float, float, float] | None:
    """(low, estimate, high) for the shift y - x: the interval that inverts the U test.

    The estimate is the Hodges-Lehmann median of the pairwise differences. None when the
    samples are too small for any interval at this level.
    """
    m, n = len(x), len(y)
    diffs = np.sort(np.subtract.outer(np.asarray(y, float), np.asarray(x, float)).ravel())
    k = _critical_count(m, n, alpha)
    if k < 1:
        return None
    return float(diffs[k - 1]), float(np.median(diffs)), float(diffs[m * n - k])


def _critical_count(m: int, n: int, alpha: float) -> int:
    """The largest k with 2·P(U <= k - 1) < alpha (0 if there is none)."""
    if m + n <= EXACT_MAX_TOTAL:
        counts = u_counts(min(m, n), max(m, n))
        total = math.comb(m + n, m)
        k, below = 0, 0
        while 2 * (below + counts[k]) / total < alpha:
            below += counts[k]
            k += 1
        return k
    z = _normal_quantile(1 - alpha / 2)
    spread = math.sqrt(m * n * (m + n + 1) / 12)
    return max(0, math.floor(m * n / 2 - z * spread))


def _normal_quantile(p: float) -> float:
    """Inverse of the standard normal CDF by bisection on erfc (plenty fast for one call)."""
    low, high = -10.0, 10.0
    for _ in range(100):
        mid = (low + high) / 2
        if 1 - _normal_sf(mid) < p:
            low = mid
        else:
            high = mid
    return (low + high) / 2
