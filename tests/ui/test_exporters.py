"""Exports: a PNG with real content, an SVG that parses (Qt >= 6.11 closed paths), the run."""

from __future__ import annotations

import csv
import json
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
    path = exporters.export_png(plot.export_item(), tmp_path / "plot.png", width=1200)
    image = QImage(str(path))
    assert not image.isNull() and image.width() == 1200 and image.height() > 300
    small = image.scaled(120, 80)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    assert len(colours) > 8


def test_svg_parses_and_holds_paths_and_text(plot, tmp_path):
    path = exporters.export_svg(plot.export_item(), tmp_path / "plot.svg")
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
    summary = list(csv.DictReader(summary_path.open()))
    assert [row["pool_size"] for row in summary] == ["1", "2"]
    trace = json.loads(exporters.export_trace(report, tmp_path / "run.trace.json").read_text())
    assert sum(1 for e in trace["traceEvents"] if e["ph"] == "X") == 8
    assert not list(tmp_path.glob(".*.tmp")), "no temporary files left behind"


def test_failure_is_a_clear_oserror_and_leaves_no_file(report, tmp_path):
    missing = tmp_path / "no-such-dir" / "run.json"
    with pytest.raises(OSError, match="Cannot write"):
        exporters.export_report_json(report, missing)
    target = tmp_path / "keep.json"
    target.write_text("old")
    blocker = tmp_path / "dir.json"
    blocker.mkdir()
    with pytest.raises(OSError, match="Cannot write"):
        exporters.export_trace(report, blocker)
    assert target.read_text() == "old"
    assert not list(tmp_path.glob(".*.tmp"))
