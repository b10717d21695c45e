"""Why not N×: the gap between ideal and measured split into its measured parts."""

from __future__ import annotations

import dataclasses

import pytest

from desktop_app.engine.outputs.report import RunEntry, RunReport
from desktop_app.engine.records import Measurement, SpanTable, TaskSpan
from desktop_app.engine.stats import summarize
from desktop_app.engine.why_not import explain, why_lines, worker_seconds


def _entry(backend: str, size: int, wall: float, spans: list[TaskSpan], repeat: int = 0):
    table = SpanTable()
    for span in spans:
        table.append(span)
    m = Measurement("cpu", backend, size, repeat, wall, 0.05, "completed", len(spans))
    return RunEntry(m, table, [None] * len(spans))


def _report() -> RunReport:
    serial = [TaskSpan(i, 1, "MainThread", i * 0.25, (i + 1) * 0.25, True, 1.0) for i in range(4)]
    threads = [
        # worker a: two tasks back to back, each on a CPU half its time (the GIL)
        TaskSpan(0, 1, "t-a", 0.00, 0.40, True, 0.5),
        TaskSpan(1, 1, "t-a", 0.40, 0.80, True, 0.5),
        # worker b: starts 0.1 s late (overhead), one task, then idle to the end (imbalance)
        TaskSpan(2, 1, "t-b", 0.10, 0.50, True, 0.5),
    ]
    runs = [
        _entry("serial", 1, 1.0, serial),
        _entry("serial", 1, 1.0, serial, repeat=1),
        _entry("threads", 2, 0.9, threads),
        _entry("threads", 2, 0.9, threads, repeat=1),
    ]
    report = RunReport("io-vs-cpu", {}, (2,), 2, origin=0.0, runs=runs)
    report.summary = summarize([entry.measurement for entry in runs], cores=2)
    return report


def test_worker_seconds_split_into_waiting_overhead_and_imbalance():
    entry = _report().runs[2]
    parts = worker_seconds(entry.spans, 2, 0.9, "cpu")
    assert parts["busy"] == pytest.approx(1.2)
    assert parts["waiting"] == pytest.approx(0.6)  # half of each task's 0.4 s
    # dispatch and collection outside the tasks: 0.9 - 0.8 s for both workers; b starts late
    assert parts["overhead"] == pytest.approx(2 * 0.1 + 0.1)
    assert parts["imbalance"] == pytest.approx(0.3)  # b idle from 0.5 to 0.8 s


def test_the_parts_add_up_to_the_gap_and_name_the_gil():
    (why,) = explain(_report())
    (gap,) = why.gaps
    assert gap.ideal_s == pytest.approx(0.5) and gap.measured_s == pytest.approx(0.9)
    assert sum(gap.parts.values()) == pytest.approx(gap.gap_s)
    assert gap.parts["waiting"] == pytest.approx(0.3)
    assert gap.waiting_for == "the GIL or a lock" and not gap.other_programs
    low, high = why.intervals[2]
    assert low <= 1.0 / 0.9 <= high
    text = "\n".join(why_lines(_report()))
    assert "waiting for the GIL or a lock 300.0 ms" in text
    assert "load imbalance (workers idle at the end) 150.0 ms" in text


def test_coroutines_sharing_one_thread_get_no_split_by_worker():
    report = _report()
    spans = [TaskSpan(i, 1, "loop", 0.0, 0.5, True) for i in range(2)]  # both at once, one thread
    report.runs.append(_entry("asyncio", 2, 0.5, spans))
    report.summary = summarize([entry.measurement for entry in report.runs], cores=2)
    gaps = {why.backend: why.gaps[0] for why in explain(report)}
    assert gaps["asyncio"].parts == {} and gaps["threads"].parts
    assert "share one thread" in "\n".join(why_lines(report))


def test_a_real_sweep_ends_with_its_why_and_ten_squares_are_mostly_overhead():
    from desktop_app.engine.context import run_scenario
    from desktop_app.engine.pools import PoolManager
    from desktop_app.scenarios.registry import get_scenario

    scenario = get_scenario("pool-timing")
    pools = PoolManager()
    try:
        params = scenario.resolve({"n": 10})
        report = run_scenario(scenario, params, pool_sizes=(1, 2), repeats=2, pools=pools)
    finally:
        pools.shutdown()
    assert report.state == "completed" and not report.errors
    assert report.why and report.why[0].startswith("square on pool:")
    (why,) = explain(report)
    for gap in why.gaps:  # ten squares: the pool's own work is nearly all of the time
        assert gap.parts["overhead"] + gap.parts["imbalance"] > 0.5 * gap.measured_s, gap


def test_a_sweep_slower_than_serial_gets_no_serial_fraction_and_a_warm_pool_says_so():
    """Ten squares: every pool slower than the loop. Amdahl's s would come out above 1 (once
    printed as "2.956 (95 % 0.000-1.000)"): the report says the law does not apply instead."""
    serial = [TaskSpan(i, 1, "MainThread", i * 0.001, (i + 1) * 0.001, True, 1.0) for i in range(4)]
    runs = [_entry("serial", 1, 0.004, serial), _entry("serial", 1, 0.004, serial, repeat=1)]
    for size, wall in ((2, 0.02), (4, 0.03)):
        spans = [TaskSpan(i, 1, f"w{i % size}", 0.01, 0.011, True, 1.0) for i in range(4)]
        for repeat in (0, 1):
            entry = _entry("threads", size, wall, spans, repeat=repeat)
            warm = dataclasses.replace(entry.measurement, startup_s=0.0)  # started earlier
            runs.append(RunEntry(warm, entry.spans, entry.results))
    report = RunReport("pool-timing", {}, (2, 4), 2, origin=0.0, runs=runs)
    report.summary = summarize([entry.measurement for entry in runs], cores=4)
    text = "\n".join(why_lines(report))
    assert "Amdahl: does not apply" in text and "serial fraction 2." not in text
    assert "the pool was already running" in text and "took 0.0 ms" not in text


def test_usl_words_say_where_a_parameter_was_held_and_why():
    from desktop_app.engine.scaling_fit import Fit
    from desktop_app.engine.why_not import usl_words

    flat = Fit(
        "usl", ("contention", "coherence"), (1.0, 0.002), (0.0, 0.001), 3, 0.01, (True, False)
    )
    assert usl_words(flat) == (
        "USL: contention 1.000 (held at 1: no speedup at all), coherence 0.0020 ± 0.0010"
    )
    linear = Fit("usl", ("contention", "coherence"), (0.0, 0.0), (0.0, 0.0), 4, 0.01, (True, True))
    assert (
        usl_words(linear)
        == "USL: contention 0.000 (held at 0: none seen), coherence 0.0000 (held at 0: none seen)"
    )
    free = Fit(
        "usl", ("contention", "coherence"), (0.05, 0.004), (0.2, 0.001), 3, 0.01, (False, False)
    )
    assert usl_words(free).endswith(
        "(undetermined: too few pool sizes or too noisy for this model)"
    )


def _turns_report(on_cpu: float) -> RunReport:
    """Serial 1 s; four CPU-bound processes on two cores, each task on a CPU ``on_cpu`` of its
    0.5 s (0.5 when they only take turns)."""
    serial = [TaskSpan(i, 1, "MainThread", i * 0.25, (i + 1) * 0.25, True, 1.0) for i in range(4)]
    pool = [TaskSpan(i, 10 + i, "MainThread", 0.0, 0.5, True, on_cpu) for i in range(4)]
    runs = [_entry("serial", 1, 1.0, serial), _entry("processes", 4, 0.5, pool)]
    report = RunReport("io-vs-cpu", {}, (4,), 1, origin=0.0, runs=runs)
    report.summary = summarize([entry.measurement for entry in runs], cores=2)
    return report


def test_workers_taking_turns_on_too_few_cores_is_not_counted_as_waiting():
    """Four CPU-bound processes on two cores each run half the time: the ideal (serial ÷ 2)
    already counts those turns, so the gap shows none of it; waiting beyond the turns does."""
    (why,) = explain(_turns_report(0.5))
    (gap,) = why.gaps
    assert gap.ideal_s == pytest.approx(0.5) and gap.parts["waiting"] == pytest.approx(0.0)
    assert not gap.other_programs
    # Each waited 0.35 s where turns explain 0.25 s: 0.4 worker-seconds of core time lost in
    # all, which two cores would have done in 0.2 s of wall time (over the cores, not the 4
    # workers: a review found it was divided by the pool size and read as half of that).
    (why,) = explain(_turns_report(0.3))
    (gap,) = why.gaps
    assert gap.parts["waiting"] == pytest.approx(0.2)
    assert gap.other_programs  # 0.1 s of a 0.5 s wall: other programs held the cores


def test_a_sweep_past_the_cores_is_fitted_on_the_workers_that_ran_at_once():
    """Eight CPU-bound workers on two cores run two at a time: the sweep flattens at 2 because
    of the machine. Fitted on pool sizes, Amdahl would call that a serial fraction of ~40 %;
    fitted on the workers that ran at once it is the small one the pool really has, and a
    sweep with no third distinct count gets no USL (its two parameters would be guesses)."""
    truth = 0.05
    serial = [TaskSpan(i, 1, "MainThread", i * 0.25, (i + 1) * 0.25, True, 1.0) for i in range(4)]
    runs = [_entry("serial", 1, 1.0, serial), _entry("serial", 1, 1.0, serial, repeat=1)]
    for size in (1, 2, 4, 8):
        speedup = 1.0 / (truth + (1.0 - truth) / min(size, 2))
        spans = [TaskSpan(i, 10 + i, "MainThread", 0.0, 0.25, True, 1.0) for i in range(4)]
        for repeat in (0, 1):
            runs.append(_entry("processes", size, 1.0 / speedup, spans, repeat=repeat))
    report = RunReport("io-vs-cpu", {}, (1, 2, 4, 8), 2, origin=0.0, runs=runs)
    report.summary = summarize([entry.measurement for entry in runs], cores=2)
    (why,) = explain(report)
    assert why.amdahl is not None and why.amdahl.values[0] == pytest.approx(truth, abs=1e-6)
    assert why.usl is None


def test_a_run_whose_spans_were_pruned_gets_no_split_and_says_why():
    report = _report()
    for entry in report.runs:
        entry.spans = SpanTable()  # the history keeps old runs' documents, not their spans
    (why,) = explain(report)
    (gap,) = why.gaps
    assert gap.parts == {} and "were not kept" in gap.no_split
    assert "its task spans were not kept" in "\n".join(why_lines(report))


def test_one_repeat_gives_no_interval_rather_than_a_zero_width_one():
    report = _report()
    report.runs = [e for e in report.runs if e.measurement.repeat == 0]
    report.summary = summarize([entry.measurement for entry in report.runs], cores=2)
    (why,) = explain(report)
    low, high = why.intervals[2]
    assert low != low and high != high  # NaN: nothing to resample
    assert "one repeat: no interval on the speedup" in "\n".join(why_lines(report))
