"""The HTML report: self-contained, every section there, verdicts in the table, rendered by
Chromium when it is installed (the page is opened offline and its DOM and pixels checked)."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest
from _history_builders import heavy_report, make_report
from test_history_cli import history

from desktop_app.history.html_report import from_saved, render_html, write_html
from desktop_app.history.store import Store
from desktop_app.history.svg_timeline import merged_bars

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if shutil.os.path.exists("/usr/bin/chromium") else None
)
SLOW = {("square", "pool", 2): [0.020, 0.021, 0.022, 0.023, 0.0215]}
FAST = {("square", "pool", 2): [0.010, 0.011, 0.0105, 0.012, 0.0115]}


class Tags(HTMLParser):
    """Collects tags and their attributes; fails on nothing (a browser would not)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "history.sqlite3")


def _saved(store, *reports):
    return [from_saved(store.load(store.save_report(report))) for report in reports]


def test_a_comparison_page_holds_every_section_and_the_verdicts(store):
    slow, fast = make_report(walls=SLOW), make_report(walls=FAST)
    slow.output.append("<script>alert('not code')</script>")
    page = render_html(_saved(store, slow, fast))
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 3  # plot, 2 timelines
    for heading in (
        "Runs",
        "Parameters",
        "Environment",
        "Wall time against pool size",
        "Measurements",
        "Comparison with the baseline",
        "Timelines",
        "Notes and errors",
        "Output",
    ):
        assert f"<h2>{heading}</h2>" in page
    assert "Comparison: run 2 against run 1 (pool-timing)" in page
    comparison = page.split("<h2>Comparison with the baseline</h2>")[1].split("</table>")[0]
    row = re.search(r"<tr><td>run 2</td><td>square</td><td>pool</td>.*?</tr>", comparison)[0]
    assert ">0.5" in row and '<td class="faster">faster</td>' in row  # ratio ~0.5, p < 0.05
    assert "Mann-Whitney" in page and "ünïcode ✓" in page
    assert "run 1 · square (pool)" in page and "run 2 · square (pool)" in page  # the legend
    assert "ValueError" in page and "Traceback…" in page and "A note." in page
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_the_environment_shows_the_gil_verdict_in_words_not_a_dict(store):
    report = make_report()
    report.environment["gil"] = {"free_threaded_build": False, "summary": "GIL on (standard build)"}
    report.environment["extra"] = {"a": 1, "b": "two"}
    page = render_html(_saved(store, report))
    environment = page.split("<h2>Environment</h2>")[1].split("</table>")[0]
    assert "GIL on (standard build)" in environment and "free_threaded_build" not in environment
    assert "a: 1; b: two" in environment


def test_the_page_needs_no_network(store):
    page = render_html(_saved(store, make_report()))
    tags = Tags()
    tags.feed(page)
    for tag, attrs in tags.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed"), tag
        assert "src" not in attrs and "href" not in attrs, (tag, attrs)
    urls = set(re.findall(r"https?://[^\s\"'<)]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls  # the SVG namespace, never fetched


def test_a_big_timeline_is_merged_to_bars_a_pixel_apart_but_keeps_every_failed_task(store):
    report = heavy_report(200_000)
    for index in range(0, 200_000, 997):
        report.runs[0].spans.ok[index] = 0
    (run,) = _saved(store, report)
    page = render_html([run])
    assert page.count('class="failed"') == len(range(0, 200_000, 997))
    assert page.count("<rect") < 20_000 and len(page) < 3_000_000


def test_merged_bars_close_only_gaps_below_the_limit():
    rows = np.array([[0.0, 1.0, 1], [1.05, 2.0, 1], [5.0, 6.0, 1], [0.5, 3.0, 1]])
    assert merged_bars(rows, 0.1).tolist() == [[0.0, 3.0], [5.0, 6.0]]
    assert merged_bars(rows, 2.5).tolist() == [[0.0, 6.0]]


def test_history_report_and_export_write_html(tmp_path):
    data = tmp_path / "data"
    store = Store(data / "history.sqlite3")
    first, second = (store.save_report(make_report(walls=w)) for w in (SLOW, FAST))
    result = history(data, "report", str(second), "--previous", "--html", str(tmp_path / "c.html"))
    assert result.returncode == 0, result.stderr
    assert f"runs {first}, {second}" in result.stdout
    assert '<td class="faster">faster</td>' in (tmp_path / "c.html").read_text()
    result = history(data, "export", str(first), str(tmp_path / "one.HTML"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "one.HTML").read_text().startswith("<!DOCTYPE html>")
    missing = history(data, "report", "99", "--html", str(tmp_path / "x.html"))
    assert missing.returncode == 2 and "no saved run has id 99" in missing.stderr
    assert not (tmp_path / "x.html").exists()


ZOOM_PROBE = """<script>
var svg = document.querySelector("svg.zoomable"), g = svg.querySelector("g.data");
function scale() { return /scale\\(([^,]+),/.exec(g.getAttribute("transform"))[1]; }
var r = svg.getBoundingClientRect(), before = scale();
svg.dispatchEvent(new WheelEvent("wheel", {deltaY: -100, clientX: r.left + r.width * 0.6,
  clientY: r.top + 10, bubbles: true, cancelable: true}));
document.body.setAttribute("data-scales", before + " " + scale());
</script>"""


def _chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_chromium_renders_the_report_with_its_table_and_plots(store, tmp_path):
    from PySide6.QtGui import QImage

    path = write_html(
        _saved(store, make_report(walls=SLOW), make_report(walls=FAST)), tmp_path / "report.html"
    )
    dom = _chromium(tmp_path, "--dump-dom", path.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert '<td class="faster">faster</td>' in dom.stdout
    assert dom.stdout.count("<svg") == 3 and 'class="curve"' in dom.stdout
    assert dom.stdout.count('data-zoom="ready"') == 2  # the zoom script ran on each timeline
    # Zoom in once at the middle of the first timeline: its bars' scale grows by 1 / 0.8.
    probe = tmp_path / "probe.html"
    probe.write_text(path.read_text().replace("</body>", ZOOM_PROBE + "</body>"))
    zoomed = _chromium(tmp_path, "--dump-dom", probe.as_uri())
    before, after = (
        float(k) for k in re.search(r'data-scales="([^ ]+) ([^"]+)"', zoomed.stdout).groups()
    )
    assert after == pytest.approx(before / 0.8, rel=1e-3)
    shot = tmp_path / "shot.png"
    result = _chromium(tmp_path, "--window-size=1000,1400", f"--screenshot={shot}", path.as_uri())
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1000, 1400)
    colours = {image.pixel(x, y) for x in range(0, 1000, 7) for y in range(0, 1400, 7)}
    assert len(colours) > 20, "the screenshot is (nearly) blank"
