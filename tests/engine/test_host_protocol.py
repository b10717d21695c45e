"""The run-host protocol: the report split by the host and joined by the window comes back
whole (hypothesis), each span crosses the pipe once, and a failure in the host arrives as an
ErrorRecord with its origin and its own traceback."""

from __future__ import annotations

import pickle

import pytest
from host_probe_scenario import make_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.engine.cancel import CancelToken
from desktop_app.engine.events import ErrorRaised, TasksFinished
from desktop_app.engine.host import protocol
from desktop_app.engine.host.client import RunHost
from desktop_app.engine.host.protocol import (
    ReportAssembler,
    ReportPart,
    RunRequest,
    SpanLedger,
    report_parts,
)
from desktop_app.engine.outputs.report import RunEntry, RunReport
from desktop_app.engine.records import Measurement, SpanTable, TaskSpan
from desktop_app.scenarios.registry import get_scenario

KEYS = [("cpu", "pool", 2, 0), ("cpu", "pool", 4, 0), ("io", "threads", 2, 1)]


def _table(first: int, count: int, pid: int) -> SpanTable:
    table = SpanTable()
    for task in range(first, first + count):
        table.append(TaskSpan(task, pid, f"t{task % 3}", task * 1.0, task + 0.5, task % 5 != 0))
    return table


def _columns(table: SpanTable) -> tuple:
    return tuple(list(span for span in table))


@st.composite
def _runs(draw):
    """Entries (keys may repeat, in order), each with spans and results, and how much of
    each key's spans the window saw live, in events of random sizes."""
    entries, pid = [], 100
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=5)):
        count = draw(st.integers(0, 30))
        pid += 1
        entries.append((key, _table(0, count, pid), [pid * 1000 + i for i in range(count)]))
    seen_fraction = draw(st.sampled_from([0.0, 0.5, 1.0]))
    cuts = draw(st.lists(st.integers(1, 9), min_size=1, max_size=4))
    rows = draw(st.lists(st.tuples(st.integers(), st.text(max_size=3)), max_size=50))
    return entries, seen_fraction, cuts, rows


def _report(entries, rows) -> RunReport:
    report = RunReport("s", {}, (2,), 1, table_rows=list(rows))
    for (series, backend, size, repeat), table, results in entries:
        m = Measurement(series, backend, size, repeat, 0.1, 0.0, "completed", len(table))
        copy = SpanTable()
        copy.extend(table)
        report.runs.append(RunEntry(m, copy, list(results)))
    return report


def _live_events(entries, fraction: float, cuts: list[int]) -> list[TasksFinished]:
    """What the host sent live: per key, its entries' spans in order, a prefix of them."""
    by_key: dict = {}
    for key, table, _ in entries:
        by_key.setdefault(key, SpanTable()).extend(table)
    events = []
    for key, table in by_key.items():
        seen = int(len(table) * fraction)
        first, step = 0, 0
        while first < seen:
            stop = min(seen, first + cuts[step % len(cuts)])
            events.append(TasksFinished(*key, table.part(first, stop)))
            first, step = stop, step + 1
    return events


@settings(max_examples=150, deadline=None)
@given(_runs())
def test_split_then_join_gives_back_the_report_whole(case):
    entries, fraction, cuts, rows = case
    report = _report(entries, rows)
    events = _live_events(entries, fraction, cuts)
    ledger, window = SpanLedger(), ReportAssembler()
    for event in events:  # through the pipe: pickled, as the real one
        [event] = pickle.loads(pickle.dumps([event]))
        ledger.note([event])
        window.add_events([event])
    parts = [ReportPart(1, *part) for part in report_parts(report, ledger)]
    stripped = pickle.loads(pickle.dumps(report))
    assert stripped.table_rows == [] and all(
        len(e.spans) == 0 and e.results == [] for e in stripped.runs
    )
    sent_spans = sum(len(p.values) for p in parts if p.what == "spans")
    total = sum(len(table) for _, table, _ in entries)
    live = sum(len(e.spans) for e in events)
    assert sent_spans == total - live, "every span crosses once: live or as a part, not both"
    for part in parts:
        window.add_part(pickle.loads(pickle.dumps(part)))
    joined = window.finish(stripped)
    assert joined.table_rows == list(rows)
    assert len(joined.runs) == len(entries)
    for entry, (_, table, results) in zip(joined.runs, entries, strict=True):
        assert entry.results == results
        assert _columns(entry.spans) == _columns(table)


def test_an_unknown_part_is_refused():
    with pytest.raises(ValueError, match="unknown report part"):
        ReportAssembler().add_part(ReportPart(1, "bogus", 0, []))


@pytest.fixture
def host():
    host = RunHost()
    yield host
    host.shutdown()


def test_a_finished_run_holds_exactly_the_spans_received_live_none_sent_twice(host, monkeypatch):
    parts: list[ReportPart] = []
    original = ReportAssembler.add_part

    def spy(self, part):
        parts.append(part)
        original(self, part)

    monkeypatch.setattr(protocol.ReportAssembler, "add_part", spy)
    live: dict = {}

    def consumer(batch):
        for event in batch:
            if isinstance(event, TasksFinished):
                live.setdefault(protocol.span_key(event), []).extend(event.spans)

    scenario = get_scenario("pool-timing")
    request = RunRequest(scenario, scenario.resolve({"n": 3000, "workload": "square"}), (1, 2), 1)
    report = host.submit(request, consumer, CancelToken())
    assert report.state == "completed", report.errors[:1]
    assert [p for p in parts if p.what == "spans"] == [], "spans the window had were resent"
    assert {p.what for p in parts} <= {"rows", "results"}
    for entry in report.runs:
        key = protocol.entry_key(entry)
        assert list(entry.spans) == live[key]  # the same spans, once, in order
        assert len(entry.spans) == entry.measurement.task_count == 3000


def test_an_engine_failure_in_the_host_arrives_as_a_record_with_its_traceback(host):
    scenario = make_scenario()
    events: list = []
    request = RunRequest(scenario, scenario.resolve({"bad_table": True}), (1,), 1)
    report = host.submit(request, events.extend, CancelToken())
    assert report.state == "failed"
    (record,) = report.errors
    assert record.origin == "thread" and record.context == "run host"
    assert record.worker == "run host" and record.pid == host.pid
    assert record.type == "TypeError" and "pickle" in record.message and "lock" in record.message
    assert "Traceback (most recent call last)" in record.traceback
    assert "server.py" in record.traceback  # the host's own frames, not the window's
    assert [e.record for e in events if isinstance(e, ErrorRaised)] == [record]
    again = host.submit(RunRequest(scenario, scenario.resolve({}), (1,), 1), list, CancelToken())
    assert again.state == "completed", "the host survives its own failure"
