"""Batching of events, statistics over repeats, warm pools and the run entry."""

from __future__ import annotations

import threading

import pytest

from desktop_app import workloads
from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.context import run_scenario
from desktop_app.engine.events import EventSink, Progress, TasksFinished
from desktop_app.engine.pools import PoolManager
from desktop_app.engine.records import Measurement, SpanTable, TaskSpan
from desktop_app.engine.stats import ideal_speedup, is_noisy, mad, summarize
from desktop_app.scenarios.base import Param, ParamError, Scenario


def _table(first: int, count: int) -> SpanTable:
    table = SpanTable()
    for task in range(first, first + count):
        table.append(TaskSpan(task, 1, "MainThread", 0.0, 1.0, True))
    return table


def test_a_flood_of_events_arrives_in_few_merged_batches():
    batches = []
    sink = EventSink(batches.append, interval=0.05)
    for chunk in range(10_000):
        sink.emit(TasksFinished("s", "pool", 2, 0, _table(chunk * 10, 10)))
        sink.emit(Progress(chunk, 10_000))
    sink.close()
    assert len(batches) < 200
    spans = sum(len(e.spans) for b in batches for e in b if isinstance(e, TasksFinished))
    assert spans == 100_000
    assert isinstance(batches[-1][-1], Progress) and batches[-1][-1].done == 9_999


@pytest.mark.qt_no_exception_capture
def test_sink_keeps_delivering_after_a_consumer_error(capsys):
    seen = []

    def consumer(batch):
        seen.append(batch)
        if len(seen) == 1:
            raise RuntimeError("consumer bug")

    sink = EventSink(consumer, interval=0.01)
    sink.emit(Progress(1, 2))
    threading.Event().wait(0.1)
    sink.emit(Progress(2, 2))
    sink.close()
    assert len(seen) == 2
    assert "consumer bug" in capsys.readouterr().err


def test_span_table_is_compact():
    table = _table(0, 100_000)
    assert table.nbytes() / len(table) < 64
    assert table[5].task == 5 and table[5].worker == "pid 1"


def _m(series, backend, size, wall, repeat=0, state="completed"):
    return Measurement(series, backend, size, repeat, wall, 0.0, state, 10)


def test_summary_gives_median_spread_and_speedup_against_serial():
    ms = [_m("cpu", "serial", 1, w, r) for r, w in enumerate([4.0, 4.2, 3.8])]
    ms += [_m("cpu", "processes", 2, w, r) for r, w in enumerate([2.0, 2.1, 1.9])]
    ms.append(_m("cpu", "processes", 2, 99.0, 3, state="failed"))
    rows = {row.backend: row for row in summarize(ms, cores=2)}
    assert rows["serial"].speedup == pytest.approx(1.0)
    proc = rows["processes"]
    assert (proc.median_s, proc.min_s, proc.max_s, proc.repeats) == (2.0, 1.9, 2.1, 3)
    assert proc.speedup == pytest.approx(2.0) and proc.efficiency == pytest.approx(1.0)
    assert proc.ideal_speedup == 2.0 and not proc.noisy


def test_noise_and_ideal_curve():
    assert is_noisy([1.0, 1.0, 3.0, 1.5, 0.4])
    assert not is_noisy([1.0, 1.01, 0.99])
    assert mad([1.0, 2.0, 3.0]) == 1.0
    assert ideal_speedup(8, cores=2) == 2.0 and ideal_speedup(1, cores=2) == 1.0


def test_pool_manager_reuses_warm_pools_and_shuts_all_down():
    pools = PoolManager(max_workers=4)
    try:
        first = pools.get("processes", 2)
        first.start()
        assert pools.get("processes", 2) is first and first.start() == 0.0
        pools.get("threads", 4).start()  # over budget: the least recently used goes
        assert [(k, s) for k, s, _ in pools.describe()] == [("threads", 4)]
    finally:
        pools.shutdown()
    assert pools.describe() == []


def _scenario(run) -> Scenario:
    return Scenario("demo", "Demo", "Tests", "s", "w", (Param("n", "N", "int", 3, "", 1, 10),), run)


def test_run_scenario_reports_a_bug_in_the_scenario_as_a_failed_run():
    def broken(ctx):
        raise KeyError("oops")

    report = run_scenario(_scenario(broken), {"n": 3})
    assert report.state == "failed"
    assert report.errors[0].type == "KeyError" and "in broken" in report.errors[0].traceback


def test_run_scenario_cancel_and_report_document():
    def measured(ctx):
        ctx.measure("sq", "threads", 2, workloads.square, list(range(ctx.params["n"])))
        ctx.print("done")
        ctx.sleep(30)

    cancel = CancelToken()
    threading.Timer(0.3, cancel.cancel).start()
    report = run_scenario(_scenario(measured), {"n": 3}, cancel=cancel)
    assert report.state == "cancelled"
    doc = report.to_json()
    assert doc["runs"][0]["results"] == [0, 1, 4]
    assert {"id", "worker", "start_s", "end_s", "ok"} <= set(doc["runs"][0]["tasks"][0])
    assert doc["output"] == ["done"]
    assert set(doc["environment"]) >= {
        "python",
        "platform",
        "cpu_count",
        "start_method",
        "gil_enabled",
    }


@pytest.mark.parametrize(
    "text, message",
    [("0", "from 1 to 10"), ("11", "from 1 to 10"), ("x", "whole number"), ("2.5", "whole number")],
)
def test_params_parse_with_clear_messages(text, message):
    param = Param("n", "N", "int", 3, "", 1, 10)
    with pytest.raises(ParamError, match=message):
        param.parse(text)


def test_unknown_parameter_names_the_ones_there_are():
    with pytest.raises(ParamError, match=r"has no parameter 'm' \(it has: n\)"):
        _scenario(lambda ctx: None).parse_settings(["m=3"])


def test_summarize_pools_a_sweeps_serial_runs_into_one_worker_when_asked():
    """The timing plot's rule, in the engine's one summarize: serial is one worker at any size."""
    ms = [
        Measurement("cpu", "serial", size, 0, 1.0 + size / 100, 0.0, "completed", 4)
        for size in (2, 4)
    ]
    ms.append(Measurement("cpu", "processes", 2, 0, 0.5, 0.0, "completed", 4))
    per_size = summarize(ms)
    assert sorted((r.backend, r.pool_size) for r in per_size) == [
        ("processes", 2), ("serial", 2), ("serial", 4)
    ]  # fmt: skip
    pooled = {(r.backend, r.pool_size): r for r in summarize(ms, serial_as_one_worker=True)}
    assert set(pooled) == {("serial", 1), ("processes", 2)}
    assert pooled[("serial", 1)].repeats == 2 and pooled[("serial", 1)].median_s == pytest.approx(
        1.03
    )
    assert pooled[("processes", 2)].speedup == pytest.approx(1.03 / 0.5)


def test_a_chunk_is_appended_from_views_of_its_marks_and_a_wrong_column_type_is_refused():
    """extend_chunk copies each column once, from arrays or memoryviews of them (the chunk's
    marks are not sliced into copies first), and refuses values of another type instead of
    reinterpreting their bytes."""
    from array import array

    import pytest

    from desktop_app.engine._worker import ChunkResult
    from desktop_app.engine.records import SpanTable

    chunk = ChunkResult(10, 7, "MainThread")
    chunk.results = [1, None, 3]
    chunk.marks = array("d", [0.0, 1.0, 3.0, 6.0])
    chunk.errors = [(11, "ValueError", "bad", "")]
    chunk.error_ends = {11: 2.5}
    table = SpanTable()
    table.extend_chunk(10, 7, "MainThread", *chunk.span_columns())
    clean = ChunkResult(13, 7, "MainThread")
    clean.results = [None, None]
    clean.marks = array("d", [6.0, 7.0, 9.0])
    table.extend_chunk(13, 7, "MainThread", *clean.span_columns())
    assert list(table.task) == [10, 11, 12, 13, 14]
    assert list(table.start) == [0.0, 1.0, 3.0, 6.0, 7.0]
    assert list(table.end) == [1.0, 2.5, 6.0, 7.0, 9.0]
    assert list(table.ok) == [1, 0, 1, 1, 1]
    with pytest.raises(TypeError, match="cannot take 1 of .q."):
        table.extend_chunk(15, 7, "x", array("q", [1]), array("d", [2.0]), array("b", [1]))
    with pytest.raises(TypeError, match="cannot take 2 of 'd'"):
        table.extend_chunk(15, 7, "x", array("d", [1.0]), array("d", [2.0, 3.0]), array("b", [1]))
    assert len(table.pid) == len(table.task) == len(table.on_cpu) == 5  # nothing half-added
