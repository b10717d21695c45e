"""Exports: a PNG with real content, an SVG that parses (Qt >= 6.11 closed paths), the run."""

from __future__ import annotations

import csv
import json
import os
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QImage

from desktop_app.engine.outputs.report import RunEntry, RunReport
from desktop_app.engine.records import Measurement, SpanTable, TaskSpan
from desktop_app.engine.stats import summarize
from desktop_app.ui.export import exporters
from desktop_app.ui.plots.timing_plot import TimingPlot

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def plot(qtbot):
    widget = TimingPlot()
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.show()
    widget.set_cores(2)
    for size in (1, 2, 4):
        for repeat in range(3):
            widget.add_measurement(
                Measurement("cpu", "serial", size, repeat, 1.0 + 0.05 * repeat, 0, "completed", 4)
            )
            widget.add_measurement(
                Measurement(
                    "cpu",
                    "processes",
                    size,
                    repeat,
                    1.0 / min(size, 2) + 0.05 * repeat,
                    0,
                    "completed",
                    4,
                )
            )
    widget.refresh()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def report() -> RunReport:
    origin = 10.0
    runs = []
    for size in (1, 2):
        spans = SpanTable()
        for task in range(4):
            spans.append(
                TaskSpan(
                    task,
                    100 + task % size,
                    "MainThread",
                    origin + task * 0.1,
                    origin + task * 0.1 + 0.05,
                    task != 3,
                )
            )
        m = Measurement("cpu", "processes", size, 0, 0.4 / size, 0.01, "completed", 4)
        runs.append(RunEntry(m, spans, [1, 2, 3, None]))
    report = RunReport("pool-timing", {"n": 4}, (1, 2), 1, origin=origin, runs=runs)
    report.summary = summarize([entry.measurement for entry in runs])
    return report


def test_png_has_real_content(plot, tmp_path):
    path = exporters.export_png(plot.plot_item(), tmp_path / "plot.png", width=1200)
    image = QImage(str(path))
    assert not image.isNull() and image.width() == 1200 and image.height() > 300
    small = image.scaled(120, 80)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    assert len(colours) > 8


def test_svg_parses_and_holds_paths_and_text(plot, tmp_path):
    path = exporters.export_svg(plot.plot_item(), tmp_path / "plot.svg")
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    paths = root.findall(f".//{SVG}path")
    assert len(paths) > 5
    texts = "".join("".join(t.itertext()) for t in root.findall(f".//{SVG}text"))
    assert "processes" in texts and "cores" in texts
    assert any(p.get("d", "").rstrip().endswith("Z") for p in paths), "closed paths are kept closed"


def test_svg_patch_is_scoped_to_our_exporter(plot):
    module = exporters._svg_module
    exporters.ClosedPathSVGExporter(plot.plot_item()).export(toBytes=True)
    assert module.correctCoordinates is exporters._ORIGINAL_CORRECT


def test_split_closes_keeps_the_positions():
    tokens, after = exporters._split_closes("M0,0 L1,0 L1,1 Z M2,2 L3,3Z")
    assert tokens == ["M0,0", "L1,0", "L1,1", "M2,2", "L3,3"]
    assert after == [3, 6]


def test_run_exports_load_back(report, tmp_path):
    data = json.loads(exporters.export_report_json(report, tmp_path / "run.json").read_text())
    assert data["scenario"] == "pool-timing" and len(data["runs"]) == 2
    spans_path, summary_path = exporters.export_csv(report, tmp_path / "run.csv")
    assert summary_path.name == "run-summary.csv"
    rows = list(csv.DictReader(spans_path.open()))
    assert len(rows) == 8 and {row["ok"] for row in rows} == {"0", "1"}
    # the values, worked out from the fixture by hand: times relative to the run's origin
    assert [list(row.values()) for row in rows] == [
        ["cpu", "processes", str(size), "0", str(task), f"pid {100 + task % size}"]
        + [f"{task / 10:.6f}", f"{task / 10 + 0.05:.6f}", "0" if task == 3 else "1"]
        for size in (1, 2)
        for task in range(4)
    ]
    summary = list(csv.DictReader(summary_path.open()))
    assert [row["pool_size"] for row in summary] == ["1", "2"]
    assert [
        [row[key] for key in ("series", "backend", "repeats", "median_s", "min_s", "max_s")]
        + [row["mad_s"], row["startup_s"], row["noisy"]]
        for row in summary
    ] == [
        ["cpu", "processes", "1", "0.400000", "0.400000", "0.400000", "0.000000", "0.010000", "0"],
        ["cpu", "processes", "1", "0.200000", "0.200000", "0.200000", "0.000000", "0.010000", "0"],
    ]
    trace = json.loads(exporters.export_trace(report, tmp_path / "run.trace.json").read_text())
    assert sum(1 for e in trace["traceEvents"] if e["ph"] == "X") == 8
    assert not list(tmp_path.glob(".*.tmp")), "no temporary files left behind"


def test_failure_is_a_clear_oserror_and_leaves_no_file(report, tmp_path):
    missing = tmp_path / "no-such-dir" / "run.json"
    with pytest.raises(OSError, match="Cannot write"):
        exporters.export_report_json(report, missing)
    blocker = tmp_path / "dir.json"
    blocker.mkdir()
    with pytest.raises(OSError, match="Cannot write"):
        exporters.export_trace(report, blocker)
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_failed_export_keeps_the_old_file_whole(report, tmp_path, monkeypatch):
    """The new content is written beside the file and moved over it last: when the move fails
    (as a full disk or a vanished folder would make it), the old file is still the old file."""
    targets = {name: tmp_path / name for name in ("keep.json", "keep.csv", "keep.trace.json")}
    for target in targets.values():
        target.write_text("old")
    (tmp_path / "keep-summary.csv").write_text("old")

    def full_disk(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    for export, name in (
        (exporters.export_report_json, "keep.json"),
        (exporters.export_csv, "keep.csv"),
        (exporters.export_trace, "keep.trace.json"),
    ):
        with pytest.raises(OSError, match="Cannot write .*No space left"):
            export(report, targets[name])
    monkeypatch.undo()
    assert {path.name: path.read_text() for path in tmp_path.iterdir()} == {
        "keep.json": "old",
        "keep.csv": "old",
        "keep-summary.csv": "old",
        "keep.trace.json": "old",
    }, "old files kept whole, no temporary file left"
