"""Per hop (issue 14): where a process pool's time goes, measured on a real pool."""

from __future__ import annotations

import json
import pickle
from functools import partial
from types import SimpleNamespace

import jsonschema
import pytest

from desktop_app import workloads
from desktop_app.cli.format import render_report
from desktop_app.engine import hops
from desktop_app.engine.executors import base, make_executor
from desktop_app.engine.outputs.report import RunEntry, RunReport, schema_path
from desktop_app.engine.outputs.saved_runs import read_report
from desktop_app.engine.records import Measurement, SpanTable

HOP_KINDS = ["processes", "pool"]  # the process kinds that carry hops
NO_HOP_KINDS = ["serial", "threads"]


@pytest.fixture(params=HOP_KINDS)
def hop_executor(request):
    ex = make_executor(request.param, 2)
    ex.start()
    yield ex
    ex.shutdown()


@pytest.fixture
def captured(monkeypatch):
    """Every chunk's hop as the dispatch summed them (the breakdown keeps only the sums)."""
    seen: list[list[hops.ChunkHop]] = []

    def keep(chunk_hops):
        seen.append(list(chunk_hops))
        return hops.summarize(chunk_hops)

    monkeypatch.setattr(base, "summarize", keep)
    return seen


def test_each_chunks_parts_add_up_to_its_life_and_none_is_negative(hop_executor, captured):
    burn = partial(workloads.heavy_square, iterations=workloads.burn_iterations(2.0))
    outcome = hop_executor.map(burn, list(range(24)), chunksize=2)
    assert outcome.state == "completed"
    chunk_hops = captured[-1]
    assert len(chunk_hops) == 12 == outcome.hops.chunks
    free_at: dict[int, float] = {}
    for hop in sorted(chunk_hops, key=lambda h: h.load_start):
        parts = hops.chunk_parts(hop, free_at.get(hop.pid, 0.0))
        free_at[hop.pid] = hop.result_end
        assert set(parts) == set(hops.PARTS)
        assert min(parts.values()) >= 0.0, parts  # one clock for parent and worker
        assert sum(parts.values()) == pytest.approx(hop.received - hop.submitted, abs=1e-9)
    # The chunks' lives cover the map: first submit to last result is its wall time (5 %).
    assert outcome.hops.span_s == pytest.approx(outcome.wall_s, rel=0.05)
    assert outcome.hops.total_s == pytest.approx(
        sum(h.received - h.submitted for h in chunk_hops), rel=1e-9
    )


def test_the_bytes_sent_are_the_pickled_arguments(hop_executor, captured):
    items = [("x" * n, n) for n in range(10)]
    outcome = hop_executor.map(workloads.describe_argument, items, chunksize=3)
    assert outcome.state == "completed"
    expected = sum(
        len(pickle.dumps((workloads.describe_argument, first, items[first : first + 3])))
        for first in range(0, len(items), 3)
    )
    assert outcome.hops.args_bytes == expected
    assert sorted(h.args_bytes for h in captured[-1]) == sorted(
        len(pickle.dumps((workloads.describe_argument, f, items[f : f + 3])))
        for f in range(0, 10, 3)
    )
    assert outcome.hops.result_bytes > sum(len(r) for r in outcome.results)
    assert outcome.hops.bytes_per_s() > 0


def test_ten_squares_are_almost_all_overhead(hop_executor):
    """The pool-timing lesson's point: with ten squares the tasks are a sliver of the time."""
    outcome = hop_executor.map(workloads.square, list(range(1, 11)))
    assert outcome.results == [x * x for x in range(1, 11)]
    breakdown = outcome.hops
    assert breakdown.share("running") < 0.25
    overhead = sum(breakdown.share(part) for part in hops.PARTS if part != "running")
    assert overhead > 0.75


@pytest.mark.parametrize("kind", NO_HOP_KINDS)
def test_thread_and_serial_kinds_have_no_hops(kind):
    ex = make_executor(kind, 2)
    try:
        outcome = ex.map(workloads.square, list(range(10)))
    finally:
        ex.shutdown()
    assert outcome.state == "completed" and outcome.hops is None


def test_an_unpicklable_argument_still_fails_only_its_chunk():
    ex = make_executor("processes", 2)
    try:
        outcome = ex.map(workloads.describe_argument, [1, 2, lambda: 3, 4], chunksize=1)
    finally:
        ex.shutdown()
    assert [r.task for r in outcome.errors] == [2]
    assert "could not be sent" in outcome.errors[0].message


def _breakdown(running: float = 0.001) -> hops.HopBreakdown:
    parts = dict.fromkeys(hops.PARTS, 0.002)
    parts["running"] = running
    return hops.HopBreakdown(4, parts, 400, 2000, 0.011)


def test_the_breakdown_is_in_the_json_fits_the_schema_and_reads_back(tmp_path):
    m = Measurement("square", "pool", 2, 0, 0.012, 0.05, "completed", 0, "cpu", _breakdown())
    report = RunReport("pool-timing", {"n": 10}, (2,), 1, runs=[RunEntry(m, SpanTable(), [])])
    doc = json.loads(report.dumps())
    jsonschema.validate(doc, json.loads(schema_path().read_text()))
    assert doc["runs"][0]["hops"]["args_bytes"] == 400
    assert doc["runs"][0]["hops"]["bytes_per_s"] == pytest.approx(2400 / 0.011)
    path = tmp_path / "run.json"
    path.write_text(report.dumps())
    assert read_report(path).runs[0].measurement.hops == _breakdown()


def test_the_cli_report_says_where_the_time_went():
    runs = [
        RunEntry(
            Measurement(
                "square",
                "pool",
                2,
                r,
                0.012,
                0.05 * (r == 0),
                "completed",
                0,
                "cpu",
                _breakdown(0.001 * (r + 1)),
            ),
            SpanTable(),
            [],
        )
        for r in range(3)
    ]
    report = RunReport("pool-timing", {}, (2,), 3, runs=runs)
    text = render_report(report, SimpleNamespace(title="Pool timing", id="pool-timing"))
    section = text[text.index("Where the time went") :]
    row = next(line for line in section.splitlines() if line.strip().startswith("square"))
    assert "pool" in row and "   3  " in row  # three repeats
    assert "50.00 ms" in row  # the cold start-up, not a warm repeat's zero
    # running: 0.006 of 0.036 chunk-seconds; the repeats between 1/11 and 3/13
    assert "17 % (9–23)" in row
