"""The verdicts: our Mann-Whitney U against scipy's, and the verdict on data whose truth is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _history_builders import make_report
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import mannwhitneyu

from desktop_app.history._mannwhitney import mann_whitney, shift_interval, smallest_p
from desktop_app.history.compare import (
    FASTER,
    MISSING,
    SAME,
    SLOWER,
    TOO_FEW,
    compare_documents,
    compare_many,
    compare_samples,
    describe_test,
    samples,
)

KEY = ("cpu", "pool", 4)


@pytest.mark.parametrize("method", ["exact", "asymptotic"])
def test_the_p_value_and_statistic_match_scipy(method):
    rng = np.random.default_rng(16)
    for _ in range(200):
        m, n = (int(v) for v in rng.integers(1, 15, 2))
        x = rng.lognormal(0.0, 0.3, m)
        y = rng.lognormal(float(rng.choice([0.0, 0.2, 0.6])), 0.3, n)
        ours = mann_whitney(x, y, method)
        reference = mannwhitneyu(x, y, alternative="two-sided", method=method)
        assert ours.u1 == pytest.approx(reference.statistic, abs=1e-9)
        assert ours.p_value == pytest.approx(reference.pvalue, rel=1e-9, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(1, 6), min_size=1, max_size=25),
    st.lists(st.integers(1, 6), min_size=1, max_size=25),
)
def test_ties_use_scipys_corrected_normal_approximation(x, y):
    ours = mann_whitney(x, y)
    reference = mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")
    assert ours.u1 == pytest.approx(reference.statistic)
    if len(set(x) | set(y)) < len(x) + len(y):
        assert ours.method == "asymptotic"
        if not math.isnan(reference.pvalue):
            assert ours.p_value == pytest.approx(reference.pvalue, rel=1e-9, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.floats(0.01, 10.0), min_size=2, max_size=12, unique=True),
    st.lists(st.floats(0.01, 10.0), min_size=2, max_size=12, unique=True),
)
def test_the_interval_excludes_no_change_exactly_when_the_exact_test_rejects(x, y):
    if set(x) & set(y):
        return
    interval = shift_interval(x, y, 0.05)
    if interval is None:
        assert smallest_p(len(x), len(y)) >= 0.05
        return
    low, estimate, high = interval
    assert low <= estimate <= high
    rejects = mann_whitney(x, y, "exact").p_value < 0.05
    assert rejects == (not low <= 0.0 <= high)


def noisy(median: float, count: int, seed: int) -> list[float]:
    """Run times with the shape real repeats have: a floor and a right-skewed tail."""
    rng = np.random.default_rng(seed)
    return list(median * (0.95 + rng.gamma(2.0, 0.03, count)))


def test_a_clearly_faster_run_is_faster_with_its_ratio_in_the_interval():
    row = compare_samples(KEY, noisy(1.0, 10, 1), noisy(0.7, 10, 2))
    assert row.verdict == FASTER
    assert row.ratio == pytest.approx(0.7, rel=0.05)
    assert row.ci_low <= row.ratio <= row.ci_high < 1
    assert row.p_value < 0.001


def test_a_clearly_slower_run_is_slower():
    row = compare_samples(KEY, noisy(1.0, 8, 3), noisy(1.3, 8, 4))
    assert row.verdict == SLOWER
    assert 1 < row.ci_low <= row.ratio <= row.ci_high


def test_equal_data_is_no_significant_difference():
    base = noisy(1.0, 10, 5)
    row = compare_samples(KEY, base, list(base))
    assert row.verdict == SAME
    assert row.ratio == 1.0
    assert row.ci_low < 1 < row.ci_high
    assert row.p_value == pytest.approx(1.0)


def test_same_distribution_is_rarely_called_different():
    """At alpha 0.05 about one pair in twenty differs by chance; far more would be a bug."""
    verdicts = [
        compare_samples(KEY, noisy(1.0, 7, 100 + i), noisy(1.0, 7, 500 + i)).verdict
        for i in range(200)
    ]
    assert verdicts.count(SAME) >= 180


@pytest.mark.parametrize("sizes", [(1, 1), (1, 5), (2, 2), (3, 3), (2, 4)])
def test_too_few_repeats_is_said_rather_than_no_difference(sizes):
    row = compare_samples(KEY, noisy(1.0, sizes[0], 6), noisy(0.1, sizes[1], 7))
    assert row.verdict == TOO_FEW
    assert "repeat more" in row.reason
    assert row.ratio == pytest.approx(0.1, rel=0.2)  # the ratio is still shown
    assert row.ci_low is None and row.p_value is None


def test_four_repeats_each_can_already_tell_a_big_difference():
    row = compare_samples(KEY, [1.0, 1.01, 1.02, 1.03], [0.5, 0.51, 0.52, 0.53])
    assert row.verdict == FASTER


def test_a_series_in_only_one_run_is_marked_missing():
    base = make_report(walls={("square", "pool", 2): [1.0, 1.1, 1.2, 1.3]})
    other = make_report(walls={("square", "pool", 4): [1.0, 1.1, 1.2, 1.3]})
    rows = compare_documents(base.to_json(), other.to_json(), baseline_id=1, run_id=2)
    assert [(r.pool_size, r.verdict) for r in rows] == [(2, MISSING), (4, MISSING)]
    assert rows[0].baseline_id == 1 and rows[0].run_id == 2


def test_documents_compare_per_series_backend_and_pool_size():
    base = make_report(
        walls={
            ("cpu", "serial", 1): noisy(1.0, 6, 8),
            ("cpu", "pool", 2): noisy(0.55, 6, 9),
        }
    ).to_json()
    faster = make_report(
        walls={
            ("cpu", "serial", 1): noisy(1.0, 6, 10),
            ("cpu", "pool", 2): noisy(0.30, 6, 11),
        }
    ).to_json()
    assert samples(base)[("cpu", "pool", 2)] == [run["wall_s"] for run in base["runs"][6:]]
    rows = compare_many([(1, base), (2, faster), (3, base)])
    verdicts = {(r.run_id, r.backend): r.verdict for r in rows}
    assert verdicts == {
        (2, "serial"): SAME,
        (2, "pool"): FASTER,
        (3, "serial"): SAME,
        (3, "pool"): SAME,
    }
    assert all(set(r.to_json()) >= {"ratio", "ci_low", "ci_high", "verdict"} for r in rows)


def test_failed_repeats_are_left_out_of_the_samples():
    document = make_report(walls={("cpu", "pool", 2): [1.0, 2.0, 3.0]}).to_json()
    document["runs"][1]["state"] = "failed"
    assert samples(document) == {("cpu", "pool", 2): [1.0, 3.0]}


def test_the_test_is_named():
    assert "Mann-Whitney U" in describe_test() and "0.05" in describe_test()
