"""The soak's short version: 30 consecutive runs through every scenario in one window.

The full 300-run soak is tests/benchmarks/soak.py (the same functions; too slow for every CI
run). Here: after a warm-up cycle the counts of threads, child processes and open descriptors
come back to their values, and resident memory stays bounded (the margin is generous: 30 runs
are few, and a single allocation spike must not fail CI; the 300-run script holds the 10 % bar).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import soak  # tests/benchmarks/soak.py

# The fixtures lab_window, lab_host and figures, shared by the lifecycle, soak and bad-input tests

RUNS = 30
WARMUP = 8  # one cycle: every pool started, every module imported
MEMORY_GROWTH_BOUND = 0.25


def test_thirty_runs_return_to_the_same_threads_processes_and_descriptors(
    qapp, lab_window, figures
):
    from PySide6.QtCore import QThreadPool

    # Qt ends a pool thread idle for 30 s: one left idle by an earlier test could end mid-soak
    # and change the count without anything of the soak's doing. Not during these 30 runs.
    pool = QThreadPool.globalInstance()
    expiry = pool.expiryTimeout()
    pool.setExpiryTimeout(-1)
    try:
        result = soak.soak(qapp, lab_window, RUNS, WARMUP)
    finally:
        pool.setExpiryTimeout(expiry)
    verdict = soak.verdict(result)
    first, last = verdict["after_warmup"], verdict["at_end"]
    figures["soak 30 runs"] = (
        f"rss {first['rss_mb']:.1f} -> {last['rss_mb']:.1f} MB "
        f"({verdict['rss_growth'] * 100:+.1f} %), threads {first['threads']} -> "
        f"{last['threads']}, children {first['children']} -> {last['children']}, "
        f"fds {first['fds']} -> {last['fds']} (from run {result['warmup']})"
    )
    assert not result["unexpected"], result["unexpected"]
    assert sum(len(d) for d in result["durations"].values()) == RUNS
    assert len(result["samples"]) >= 3, "a sample after warm-up and at least one more"
    for key in ("threads", "python_threads", "children", "fds"):
        assert last[key] == first[key], (key, result["samples"])
    assert verdict["rss_growth"] < MEMORY_GROWTH_BOUND, result["samples"]
