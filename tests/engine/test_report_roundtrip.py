"""A run report survives JSON and back, losslessly, and every document fits the shipped schema."""

from __future__ import annotations

import json

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.engine.outputs.report import RunEntry, RunReport, schema_path
from desktop_app.engine.outputs.saved_runs import SavedRunError, read_report, report_from_json
from desktop_app.engine.records import (
    NO_CPU,
    ErrorRecord,
    Measurement,
    SpanTable,
    TaskSpan,
    cpu_ns,
    shown_share,
)
from desktop_app.engine.stats import SummaryRow

SCHEMA = json.loads(schema_path().read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
seconds = st.floats(min_value=0, max_value=1e6, allow_nan=False)
text = st.text(max_size=12)
names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=10)
states = st.sampled_from(["completed", "failed", "cancelled"])
threads = st.one_of(st.just("MainThread"), names.filter(lambda n: n != "MainThread"))


@st.composite
def span_tables(draw) -> SpanTable:
    table = SpanTable()
    for task in range(draw(st.integers(0, 6))):
        start = draw(seconds)
        table.append(
            TaskSpan(
                draw(st.integers(-(2**40), 2**40)) if task % 3 == 2 else task,
                draw(st.integers(1, 2**22)),
                draw(threads),
                start,
                start + draw(seconds),
                draw(st.booleans()),
                draw(st.one_of(st.just(NO_CPU), st.floats(0.0, 1.0))),
            )
        )
    return table


@st.composite
def entries(draw) -> RunEntry:
    spans = draw(span_tables())
    m = Measurement(
        draw(text),
        draw(text),
        draw(st.integers(1, 64)),
        draw(st.integers(0, 5)),
        draw(seconds),
        draw(seconds),
        draw(states),
        draw(st.integers(0, 10)),
    )
    results = draw(st.lists(st.one_of(st.none(), st.integers(-(2**52), 2**52), finite, text)))
    return RunEntry(m, spans, results)


summary_rows = st.builds(
    SummaryRow,
    series=text,
    backend=text,
    pool_size=st.integers(1, 64),
    repeats=st.integers(1, 50),
    median_s=seconds,
    min_s=seconds,
    max_s=seconds,
    mad_s=seconds,
    startup_s=seconds,
    speedup=st.one_of(st.none(), seconds),
    efficiency=st.one_of(st.none(), seconds),
    ideal_speedup=seconds,
    noisy=st.booleans(),
)
error_records = st.builds(
    ErrorRecord,
    origin=st.sampled_from(["thread", "process", "future", "pool"]),
    type=text,
    message=text,
    traceback=text,
    task=st.one_of(st.none(), st.integers(0, 10**6)),
    worker=text,
    pid=st.one_of(st.none(), st.integers(1, 2**22)),
    exitcode=st.one_of(st.none(), st.integers(-64, 255)),
    context=text,
    time=finite,
)
cells = st.one_of(st.none(), st.booleans(), st.integers(-(2**52), 2**52), finite, text)


@st.composite
def reports(draw) -> RunReport:
    return RunReport(
        scenario=draw(names),
        params=draw(st.dictionaries(names, st.one_of(st.integers(0, 99), text), max_size=3)),
        pool_sizes=tuple(draw(st.lists(st.integers(1, 64), min_size=1, max_size=3))),
        repeats=draw(st.integers(1, 50)),
        state=draw(states),
        origin=0.0,
        runs=draw(st.lists(entries(), max_size=3)),
        summary=draw(st.lists(summary_rows, max_size=3)),
        errors=draw(st.lists(error_records, max_size=3)),
        output=draw(st.lists(text, max_size=3)),
        table_columns=["a", "b"],
        table_rows=[tuple(row) for row in draw(st.lists(st.lists(cells, max_size=2), max_size=3))],
        notes=draw(st.lists(text, max_size=2)),
        duration_s=draw(seconds),
        started_at=draw(seconds),
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_json_to_report_and_back_is_lossless_and_fits_the_schema(report):
    doc = json.loads(report.dumps())
    assert doc == report.to_json(), "the streamed document is the one to_json describes"
    VALIDATOR.validate(doc)
    again = RunReport.from_json(doc)
    assert again.to_json() == doc
    assert json.loads(again.dumps()) == doc
    for before, after in zip(report.runs, again.runs, strict=True):
        assert list(after.spans.start) == list(before.spans.start)  # origin 0: exact floats
        assert [s.ok for s in after.spans] == [s.ok for s in before.spans]
        # CPU time to the nanosecond where it was measured, NO_CPU where not
        assert [s.cpu if s.cpu < 0 else cpu_ns(s.cpu) for s in after.spans] == [
            s.cpu if s.cpu < 0 else cpu_ns(s.cpu) for s in before.spans
        ]
        assert after.measurement == before.measurement
    assert again.errors == report.errors and again.summary == report.summary


def test_a_real_run_reads_back_with_its_spans_relative_to_its_start(tmp_path):
    spans = SpanTable()
    spans.append(TaskSpan(0, 41, "ThreadPoolExecutor-0_1", 100.25, 100.5, True))
    spans.append(TaskSpan(1, 42, "MainThread", 100.5, 100.75, False))
    entry = RunEntry(Measurement("io", "threads", 2, 0, 0.5, 0.0, "completed", 2), spans, [1, 2])
    report = RunReport("x", {"n": 2}, (2,), 1, origin=100.0, runs=[entry])
    path = tmp_path / "run.json"
    path.write_text(report.dumps())
    back = read_report(path)
    assert [(s.pid, s.thread, s.start, s.end) for s in back.runs[0].spans] == [
        (41, "ThreadPoolExecutor-0_1", 0.25, 0.5),
        (42, "MainThread", 0.5, 0.75),
    ]


@pytest.mark.parametrize(
    "content, reason",
    [
        ("not json", "is not JSON"),
        ("[1, 2]", "not a Concurrency Lab run report"),
        ('{"scenario": "x", "runs": [], "schema": 99}', "schema 99"),
        ('{"scenario": "x", "runs": [{}], "schema": 1}', "damaged"),
    ],
)
def test_a_file_that_is_not_a_report_is_one_clear_error(tmp_path, content, reason):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(SavedRunError, match=reason):
        read_report(path)


def test_from_json_refuses_a_worker_it_cannot_read():
    doc = RunReport("x", {}, (1,), 1).to_json()
    doc["runs"] = [
        {
            **RunReport("x", {}, (1,), 1).run_head_json(
                RunEntry(Measurement("s", "b", 1, 0, 0, 0, "completed", 1), SpanTable(), [])
            ),
            "tasks": [{"id": 0, "worker": "someone", "start_s": 0, "end_s": 1, "ok": True}],
            "results": [],
        }
    ]
    with pytest.raises(SavedRunError, match="someone"):
        report_from_json(doc)


def test_a_report_from_before_cpu_time_reads_back_with_none_measured(tmp_path):
    """A file written before ``cpu_s`` existed (schema 1 all the same) still opens."""
    spans = SpanTable()
    spans.append(TaskSpan(0, 41, "MainThread", 100.25, 100.5, True, 0.5))
    entry = RunEntry(Measurement("cpu", "processes", 1, 0, 0.5, 0.0, "completed", 1), spans, [1])
    doc = RunReport("x", {}, (1,), 1, origin=100.0, runs=[entry]).to_json()
    assert doc["runs"][0]["tasks"][0]["cpu_s"] == 0.125
    del doc["runs"][0]["tasks"][0]["cpu_s"]
    VALIDATOR.validate(doc)
    (span,) = RunReport.from_json(doc).runs[0].spans
    assert span.cpu == span.on_cpu == NO_CPU
    assert shown_share(span.on_cpu) != shown_share(span.on_cpu)  # NaN: unknown
