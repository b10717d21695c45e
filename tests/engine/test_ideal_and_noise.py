"""The ideal speedup follows what the work is bound by, and a noisy row says why."""

from __future__ import annotations

import pytest

from desktop_app.engine.records import Measurement
from desktop_app.engine.stats import ideal_model, ideal_speedup, noise_reason, summarize


def _m(series, backend, size, wall, repeat=0, bound="cpu"):
    return Measurement(series, backend, size, repeat, wall, 0.0, "completed", 10, bound)


def test_waiting_needs_no_core_so_the_io_ideal_is_not_capped():
    assert ideal_speedup(8, cores=2) == 2.0
    assert ideal_speedup(8, cores=2, bound="io") == 8.0
    assert (ideal_model("cpu"), ideal_model("io")) == ("min(p, cores)", "p")
    ms = [_m("io", "serial", 1, 0.8, bound="io"), _m("io", "threads", 8, 0.11, bound="io")]
    ms += [_m("cpu", "serial", 1, 0.8), _m("cpu", "processes", 8, 0.45)]
    rows = {(r.series, r.backend): r for r in summarize(ms, cores=2)}
    assert rows[("io", "threads")].bound == "io"
    assert rows[("io", "threads")].ideal_speedup == 8.0
    assert rows[("io", "threads")].speedup <= rows[("io", "threads")].ideal_speedup
    assert rows[("cpu", "processes")].ideal_speedup == 2.0
    assert rows[("io", "threads")].to_json()["bound"] == "io"


def test_a_noisy_row_gives_its_reason_in_numbers():
    ms = [_m("cpu", "threads", 4, w, r) for r, w in enumerate([1.0, 1.0, 1.9])]
    ms += [_m("cpu", "serial", 1, w, r) for r, w in enumerate([1.0, 1.01, 1.0])]
    rows = {r.backend: r for r in summarize(ms, cores=2)}
    noisy, quiet = rows["threads"], rows["serial"]
    assert noisy.noisy and not quiet.noisy
    reason = noise_reason(noisy)
    assert "3 repeats" in reason and "max − min 90% of the median" in reason
    assert noise_reason(quiet) == ""


@pytest.mark.parametrize("bound", ["cpu", "io"])
def test_measurements_without_a_bound_are_cpu_bound(bound):
    legacy = Measurement("s", "pool", 4, 0, 1.0, 0.0, "completed", 1)
    assert legacy.bound == "cpu"
    assert Measurement("s", "pool", 4, 0, 1.0, 0.0, "completed", 1, bound).bound == bound
