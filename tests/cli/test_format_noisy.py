"""The CLI's text report flags a noisy row with its reason and shows spread and the ideal."""

from __future__ import annotations

from types import SimpleNamespace

from desktop_app.cli.format import render_report
from desktop_app.engine.records import Measurement
from desktop_app.engine.stats import summarize


def test_a_noisy_row_is_flagged_with_its_reason_and_efficiency_is_in_percent():
    ms = [Measurement("io", "serial", 1, r, 0.8, 0.0, "completed", 4, "io") for r in range(3)]
    ms += [
        Measurement("io", "threads", 4, r, wall, 0.0, "completed", 4, "io")
        for r, wall in enumerate((0.21, 0.21, 0.5))
    ]
    report = SimpleNamespace(
        environment={"python": "3.11", "platform": "linux", "cpu_count": 2},
        params={},
        state="completed",
        duration_s=1.0,
        pool_sizes=(4,),
        repeats=3,
        summary=summarize(ms, cores=2),
        output=[],
        errors=[],
        table_columns=[],
        table_rows=[],
        notes=[],
    )
    text = render_report(report, SimpleNamespace(id="io-vs-cpu", title="I/O vs CPU"))
    threads = next(line for line in text.splitlines() if " threads " in line and "⚠" in line)
    assert "95.2 %" in threads, "efficiency in percent, as the plot and the table"
    assert "4.00×" in threads, "the I/O ideal: p, not min(p, cores)"
    reason = next(line for line in text.splitlines() if "io · threads × 4:" in line)
    assert "max − min" in reason and "of the median" in reason
    assert "MAD" in text and "repeats" in text


def test_a_run_timed_by_the_python_loop_says_so_and_a_compiled_one_adds_nothing():
    def report(loop: str) -> SimpleNamespace:
        return SimpleNamespace(
            environment={"python": "3.12", "cpu_count": 2, "timing_loop": loop},
            params={},
            state="completed",
            duration_s=1.0,
            pool_sizes=(1,),
            repeats=1,
            summary=[],
            output=[],
            errors=[],
            table_columns=[],
            table_rows=[],
            notes=[],
        )

    lesson = SimpleNamespace(id="pool-timing", title="Pool timing")
    assert "task timing: the Python loop" in render_report(report("python"), lesson)
    assert "task timing" not in render_report(report("compiled"), lesson)
