"""The run format registry and the safe writer under it: atomic, umask-respecting, cancellable."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import stat
from pathlib import Path

import jsonschema
import pytest

from desktop_app.engine.outputs import writers
from desktop_app.engine.outputs.csv_format import summary_path
from desktop_app.engine.outputs.formats import get_format, run_formats
from desktop_app.engine.outputs.report import RunEntry, RunReport, schema_path
from desktop_app.engine.outputs.writers import ExportCancelled, Progress, with_suffix
from desktop_app.engine.records import NO_CPU, ErrorRecord, Measurement, SpanTable, TaskSpan
from desktop_app.engine.stats import summarize


@pytest.fixture
def report() -> RunReport:
    origin = 1000.0
    runs = []
    for backend, size in (("serial", 1), ("pool", 2), ("pool", 4)):
        spans = SpanTable()
        for task in range(5):
            # 1.5 µs tasks: rounding to µs made start and end equal
            start = origin + 0.1 + task * 3.3e-6
            spans.append(
                TaskSpan(
                    task,
                    50 + task % size,
                    "MainThread",
                    start,
                    start + 1.5e-6,
                    True,
                    NO_CPU if task == 4 else 0.8,
                )
            )
        m = Measurement("cpu", backend, size, 0, 0.3 / size, 0.0, "completed", 5)
        runs.append(RunEntry(m, spans, list(range(5))))
    report = RunReport("pool-timing", {"n": 5}, (2, 4), 1, origin=origin, runs=runs)
    report.summary = summarize([entry.measurement for entry in runs], cores=2)
    report.errors.append(ErrorRecord("pool", "BrokenProcessPool", "died", "tb"))
    return report


def test_the_registry_holds_json_csv_and_trace_with_their_suffixes():
    formats = {fmt.key: fmt for fmt in run_formats()}
    assert list(formats)[:3] == ["json", "csv", "trace"]
    assert formats["trace"].suffix == ".trace.json" and formats["json"].stdout
    assert formats["csv"].paths(Path("out/spans.csv")) == [
        Path("out/spans.csv"),
        Path("out/spans-summary.csv"),
    ]
    assert summary_path(Path("spans.csv")) == Path("spans-summary.csv")
    with pytest.raises(KeyError):
        get_format("nope")


@pytest.mark.parametrize("key", [fmt.key for fmt in run_formats()])
def test_every_format_writes_and_reads_back(report, tmp_path, key):
    fmt = get_format(key)
    written = fmt.write(report, tmp_path / f"run{fmt.suffix}")
    assert written == fmt.paths(tmp_path / f"run{fmt.suffix}")
    for path in written:
        assert path.stat().st_size > 0
    if key == "json":
        doc = json.loads(written[0].read_text())
        jsonschema.validate(doc, json.loads(schema_path().read_text()))
        assert doc == report.to_json()
    if key == "trace":
        events = json.loads(written[0].read_text())["traceEvents"]
        assert sum(e["ph"] == "X" for e in events) == 15
        measured = [e for e in events if e["ph"] == "X" and "cpu_ms" in e["args"]]
        assert len(measured) == 12 and measured[0]["args"]["cpu_ms"] == pytest.approx(1.2e-3)
        counters = [e for e in events if e["ph"] == "C"]
        assert {e["args"]["on_cpu"] for e in counters} == {0.8, 0}  # 1.2 of 1.5 µs, then off


def test_csv_keeps_full_precision_and_adds_the_ideal_speedup(report, tmp_path):
    spans, summary = get_format("csv").write(report, tmp_path / "run.csv")
    rows = list(csv.DictReader(spans.open(newline="")))
    assert len(rows) == 15
    originals = [s for entry in report.runs for s in entry.spans]
    for row, span in zip(rows, originals, strict=True):
        assert float(row["start_s"]) == span.start - report.origin  # exactly, not to the µs
        assert float(row["end_s"]) > float(row["start_s"])
        assert row["cpu_s"] == ("" if span.cpu < 0 else "1.2e-06")  # empty: not measured
    table = list(csv.DictReader(summary.open(newline="")))
    assert [float(r["ideal_speedup"]) for r in table] == [1.0, 2.0, 2.0]
    assert float(table[1]["speedup"]) == report.summary[1].speedup


def test_a_new_file_gets_the_umask_mode_and_an_overwrite_keeps_the_old_mode(tmp_path):
    old = os.umask(0o027)
    try:
        path = writers.write_atomically(tmp_path / "new.txt", lambda h: h.write("x"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640, "0666 & ~umask, not mkstemp's 0600"
    path.chmod(0o604)
    writers.write_atomically(path, lambda h: h.write("y"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o604 and path.read_text() == "y"


def test_missing_folders_are_created(tmp_path):
    path = writers.write_atomically(tmp_path / "results" / "deep" / "a.csv", lambda h: h.write("1"))
    assert path.read_text() == "1"


def test_a_full_disk_leaves_the_old_file_intact(tmp_path, monkeypatch, report):
    target = tmp_path / "keep.json"
    target.write_text('{"old": true}')

    real_open = open

    class FillsUp(io.TextIOWrapper):
        """A disk with room for 100 characters."""

        def write(self, data):
            if self.tell() + len(data) > 100:
                raise OSError(errno.ENOSPC, "No space left on device")
            return super().write(data)

    def tiny_disk(fd, *args, **kwargs):
        handle = real_open(fd, *args, **kwargs)
        return FillsUp(handle.detach(), encoding="utf-8", newline="")

    monkeypatch.setattr(writers, "open", tiny_disk, raising=False)
    with pytest.raises(OSError, match="No space left on device") as caught:
        get_format("json").write(report, target)
    monkeypatch.undo()
    assert caught.value.errno == errno.ENOSPC
    assert target.read_text() == '{"old": true}'
    assert [p.name for p in tmp_path.iterdir()] == ["keep.json"], "no temporary file left"


def test_a_cancel_mid_write_leaves_the_old_file_and_no_temporary(tmp_path, report):
    target = tmp_path / "keep.csv"
    target.write_text("old")
    progress = Progress()
    progress.cancel()
    with pytest.raises(ExportCancelled):
        get_format("csv").write(report, target, progress)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["keep.csv"]


def test_progress_reaches_the_whole(report):
    seen = []
    progress = Progress(seen.append)
    for fmt in run_formats():
        fmt.write_stream(report, io.StringIO(), progress)
    assert seen and seen[-1] == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize(
    "given, suffix, expected, added",
    [
        ("spans", ".csv", "spans.csv", True),
        ("spans.csv", ".csv", "spans.csv", False),
        ("SPANS.CSV", ".csv", "SPANS.CSV", False),
        ("run", ".trace.json", "run.trace.json", True),
        ("run.json", ".trace.json", "run.json", False),
        ("run.v2", ".json", "run.v2.json", True),
    ],
)
def test_a_name_without_the_extension_gets_it(given, suffix, expected, added):
    assert with_suffix(given, suffix) == (Path(expected), added)
