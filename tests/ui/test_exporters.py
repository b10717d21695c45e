"""Exports from the window: every view as PNG/SVG that scales and opens in a browser, the run
formats from the shared registry in the background (progress, cancel), and their files."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
import xml.etree.ElementTree as ET
from array import array

import jsonschema
import pytest
from _window_helpers import run_to_end
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop_app.engine.outputs.formats import run_formats
from desktop_app.engine.outputs.report import RunEntry, RunReport, schema_path
from desktop_app.engine.records import Measurement, SpanTable
from desktop_app.engine.stats import summarize
from desktop_app.ui.export import exporters
from desktop_app.ui.export.export_actions import all_formats
from desktop_app.ui.export.plot_formats import plot_formats
from desktop_app.ui.plots.timing_plot import TimingPlot
from desktop_app.ui.window_layout import TAB_CPU, TAB_TIMELINE, TAB_TIMING

SVG = "{http://www.w3.org/2000/svg}"
SCHEMA = json.loads(schema_path().read_text())
HEADER = ["pool-timing — completed in 1.00 s", "n=4 · pool sizes 1, 2, 4 · repeats 3"]


@pytest.fixture
def plot(qtbot):
    widget = TimingPlot()
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.show()
    widget.set_cores(2)
    for size in (1, 2, 4):
        for repeat in range(3):
            for backend, wall in (("serial", 1.0), ("processes", 1.0 / min(size, 2))):
                m = Measurement(
                    "cpu", backend, size, repeat, wall + 0.05 * repeat, 0, "completed", 4
                )
                widget.add_measurement(m)
    widget.refresh()
    qtbot.waitExposed(widget)
    return widget


def big_report(tasks: int) -> RunReport:
    """A report with ``tasks`` spans in 4 measurements, built column-wise in no time."""
    runs = []
    per = tasks // 4
    for index in range(4):
        spans = SpanTable()
        starts = array("d", (1.0 + i * 1e-5 for i in range(per)))
        ends = array("d", (s + 5e-6 for s in starts))
        spans.extend_chunk(0, 100 + index, "MainThread", starts, ends, array("b", [1]) * per)
        m = Measurement("square", "pool", 2 << index, 0, 1.0, 0.0, "completed", per)
        runs.append(RunEntry(m, spans, list(range(per))))
    report = RunReport("pool-timing", {"n": per}, (2, 4, 8, 16), 1, origin=1.0, runs=runs)
    report.summary = summarize(entry.measurement for entry in runs)
    return report


# --- the plot formats ---------------------------------------------------------------------------


def test_png_scales_everything_alike_and_carries_the_header(plot, tmp_path):
    small = QImage(str(exporters.export_png(plot.export_item(), tmp_path / "a.png", 800, HEADER)))
    large = QImage(str(exporters.export_png(plot.export_item(), tmp_path / "b.png", 1600, HEADER)))
    assert large.width() == 1600 and abs(large.height() - 2 * small.height()) <= 2
    # The large image shrunk to the small one's size is the small one (legend and text grew
    # with the image, not only the plot area): compare in 40 x 25 blocks of mean grey.
    shrunk = large.scaled(
        small.width(),
        small.height(),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    a, b = (
        small.scaled(40, 25, mode=Qt.TransformationMode.SmoothTransformation),
        shrunk.scaled(40, 25, mode=Qt.TransformationMode.SmoothTransformation),
    )
    diff = [abs(qgray(a.pixel(x, y)) - qgray(b.pixel(x, y))) for x in range(40) for y in range(25)]
    assert sum(diff) / len(diff) < 6, "the two sizes differ in more than anti-aliasing"
    band = {small.pixel(x, y) for x in range(0, 400) for y in range(0, 20)}
    assert len(band) > 2, "the title is drawn above the plot"


def qgray(rgb: int) -> int:
    return ((rgb >> 16 & 255) * 11 + (rgb >> 8 & 255) * 16 + (rgb & 255) * 5) // 32


def test_svg_names_a_browser_font_sets_its_size_and_keeps_closed_paths(plot, tmp_path):
    path = exporters.export_svg(plot.export_item(), tmp_path / "plot.svg", HEADER)
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {width:g} {height:g}" and width == 800
    families = {e.get("font-family") for e in root.iter() if e.get("font-family")}
    assert families and all(f.endswith("sans-serif") for f in families), families
    assert not any("Sans Serif" in f for f in families), "Chromium draws 'Sans Serif' serif"
    texts = "".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "processes" in texts and "cores" in texts and HEADER[0] in texts
    paths = root.findall(f".//{SVG}path")
    assert any(p.get("d", "").rstrip().endswith("Z") for p in paths), "closed paths stay closed"


def test_svg_patch_is_scoped_to_our_exporter(plot):
    module = exporters._svg_module
    exporters.ClosedPathSVGExporter(plot.export_item()).export(toBytes=True)
    assert module.correctCoordinates is exporters._ORIGINAL_CORRECT


def test_split_closes_keeps_the_positions():
    tokens, after = exporters._split_closes("M0,0 L1,0 L1,1 Z M2,2 L3,3Z")
    assert tokens == ["M0,0", "L1,0", "L1,1", "M2,2", "L3,3"]
    assert after == [3, 6]


def test_a_failed_plot_export_is_a_clear_oserror_and_keeps_the_old_file(plot, tmp_path):
    target = tmp_path / "keep.png"
    target.write_bytes(b"old")
    os.chmod(tmp_path, 0o500)
    try:
        if not os.access(tmp_path, os.W_OK):  # root writes a read-only folder anyway
            with pytest.raises(OSError, match="Cannot write"):
                exporters.export_png(plot.export_item(), target)
    finally:
        os.chmod(tmp_path, 0o700)
    assert target.read_bytes() == b"old"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OSError, match="Cannot write"):
        exporters.export_svg(plot.export_item(), blocker / "plot.svg")


# --- the window ---------------------------------------------------------------------------------


def _small_run(qtbot, window, scenario="pool-timing"):
    window.select_scenario(scenario)
    if scenario == "pool-timing":
        window.set_param("n", 20)
        window.set_pool_sizes((1, 2))
        window.set_repeats(1)
    return run_to_end(qtbot, window)


def test_the_menu_lists_every_registered_format_and_is_disabled_before_a_run(lab_window):
    keys = [fmt.key for fmt in all_formats()]
    assert keys == [f.key for f in plot_formats()] + [f.key for f in run_formats()]
    assert {"png", "svg", "json", "csv", "trace"} <= set(keys)
    actions = [lab_window.findChild(QAction, f"export_{key}") for key in keys]
    actions += [lab_window.findChild(QAction, n) for n in ("exportAction", "saveRunAction")]
    assert all(action is not None and not action.isEnabled() for action in actions)
    with pytest.raises(ValueError, match="run a scenario first"):
        lab_window.export("png", "plot.png")


def test_every_view_exports_what_is_shown_with_the_run_in_its_title(qtbot, lab_window, tmp_path):
    report = _small_run(qtbot, lab_window)
    assert lab_window.findChild(QAction, "export_png").isEnabled()
    ui = lab_window.ui
    images = {}
    for name, tab, inner in (
        ("timing", TAB_TIMING, 0),
        ("speedup", TAB_TIMING, 1),
        ("hops", TAB_TIMING, 2),
        ("why", TAB_TIMING, 3),
        ("timeline", TAB_TIMELINE, 0),
        ("cpu", TAB_CPU, 0),
    ):
        ui.tabs.setCurrentIndex(tab)
        ui.timing_plot.set_current_view(inner)
        qtbot.wait(50)
        (path,) = lab_window.export("svg", str(tmp_path / f"{name}.svg"))
        root = ET.parse(path).getroot()
        texts = "".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
        assert "pool-timing" in texts and "n=20" in texts, name
        images[name] = texts
        (png,) = lab_window.export("png", str(tmp_path / f"{name}.png"))
        assert not QImage(str(png)).isNull()
    assert "Speedup" in images["speedup"] and "Speedup" not in images["timing"]
    assert "Worker" in images["timeline"]
    assert "pool start-up" in images["hops"] and "pool start-up" not in images["timing"]
    assert "load imbalance" in images["why"] and "load imbalance" not in images["hops"]
    assert len(set(images.values())) == 6, "each view exports itself"
    assert report.state == "completed"


def test_run_formats_are_written_in_the_background_and_fit_the_schema(qtbot, lab_window, tmp_path):
    _small_run(qtbot, lab_window)
    old = os.umask(0o022)
    try:
        for fmt in run_formats():
            with qtbot.waitSignal(lab_window.exports.export_finished, timeout=30_000) as done:
                job = lab_window.exports.start_export(fmt.key, tmp_path / f"run{fmt.suffix}")
                assert job is not None and not lab_window.exports.export_action.isEnabled()
            assert done.args[0] == fmt.paths(tmp_path / f"run{fmt.suffix}")
            for path in done.args[0]:
                assert stat.S_IMODE(path.stat().st_mode) == 0o644, "the user's umask, not 0600"
    finally:
        os.umask(old)
    jsonschema.validate(json.loads((tmp_path / "run.json").read_text()), SCHEMA)
    assert lab_window.exports.export_action.isEnabled()


def test_a_big_export_keeps_the_event_loop_going_and_can_be_cancelled(qtbot, lab_window, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    lab_window.last_report = big_report(400_000)
    lab_window.exports.update_enabled()
    ticks = []
    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    with qtbot.waitSignal(lab_window.exports.export_finished, timeout=120_000):
        lab_window.exports.start_export("json", tmp_path / "big.json")
    timer.stop()
    assert len(ticks) > 10, "the GUI thread kept serving its timers during the export"
    assert len(json.loads((tmp_path / "big.json").read_text())["runs"][3]["tasks"]) == 100_000
    target = tmp_path / "keep.trace.json"
    target.write_text("old")
    with qtbot.waitSignal(lab_window.exports.export_cancelled, timeout=30_000):
        job = lab_window.exports.start_export("trace", target)
        job.cancel()
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.json", "keep.trace.json"]
    assert job.wait(10), "the export thread ends after its signal"
    assert not [t for t in threading.enumerate() if t.name.startswith("export-")]


def test_the_dialog_adds_the_extension_and_asks_before_replacing(
    qtbot, lab_window, tmp_path, monkeypatch
):
    _small_run(qtbot, lab_window)
    chosen = tmp_path / "spans"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen), "CSV table (*.csv)")
    )
    with qtbot.waitSignal(lab_window.exports.export_finished, timeout=30_000) as done:
        lab_window.exports.export_with_dialog("csv")
    assert [p.name for p in done.args[0]] == ["spans.csv", "spans-summary.csv"]
    assert not chosen.exists()
    assert lab_window._store.export_folder() == str(tmp_path)
    (tmp_path / "spans.csv").write_text("mine")
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.No
    )
    lab_window.exports.export_with_dialog("csv")
    assert asked and (tmp_path / "spans.csv").read_text() == "mine"


def test_a_failed_export_is_a_message_box_not_a_traceback(qtbot, lab_window, tmp_path):
    _small_run(qtbot, lab_window)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with qtbot.waitSignal(lab_window.exports.export_failed, timeout=30_000) as failed:
        lab_window.exports.start_export("json", blocker / "run.json")
    assert "Cannot write" in failed.args[0]
    box = lab_window.findChild(QMessageBox, "exportFailedBox")
    assert box is not None and "Cannot write" in box.text()
    box.close()


def test_closing_during_an_export_cancels_it_at_once(qtbot, lab_window, tmp_path):
    """Quit stays responsive during a big export: it cancels, and the old file is kept."""
    lab_window.last_report = big_report(400_000)
    lab_window.exports.update_enabled()
    target = tmp_path / "out" / "keep.trace.json"
    target.parent.mkdir()
    target.write_text("old")
    job = lab_window.exports.start_export("trace", target)
    assert job is not None and job.is_running()
    began = time.monotonic()
    lab_window.close()
    assert time.monotonic() - began < 10, "hang guard only: a cancel lands within a chunk"
    assert not job.is_running()
    assert target.read_text() == "old" and os.listdir(target.parent) == ["keep.trace.json"]
