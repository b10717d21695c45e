"""A run's timeline as SVG for the HTML report: a lane per worker, a bar per task, zoomable.

A timeline of a million spans would be a million ``<rect>``s; instead each lane's spans closer
together than a pixel are merged into one bar (numpy, a few passes), so a page stays small and
legible at any run size; failed tasks are drawn one by one on top, in red, so none hides in a
merged bar. Bars are drawn in milliseconds inside a group the page's small script
(:data:`ZOOM_SCRIPT`) rescales: wheel to zoom at the pointer, drag to pan, double-click to
reset; the axis is redrawn to match. Without the script the page shows the whole run.
Timelines of a comparison share one time axis (``t_max``), so equal widths mean equal times.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np

from ..engine.outputs.report import RunReport
from .svg_plots import FONT, RUN_COLOURS, nice_ticks

FAILED = "#d62728"
BACKEND_COLOURS = {
    "serial": "#8c8c8c",
    "threads": "#4e79a7",
    "processes": "#f28e2b",
    "pool": "#59a14f",
}
MAX_LANES = 64
MAX_FAILED = 2000
LANE_H, LANE_GAP = 14, 4
CHAR_W = 7  # px per character of a lane label at 12 px (labels are sized to fit, capped)


def run_end_ms(report: RunReport) -> float:
    """The last span's end, in ms from the run's start (0 without spans)."""
    ends = [max(entry.spans.end) - report.origin for entry in report.runs if len(entry.spans)]
    return 1e3 * max(ends, default=0.0)


def backend_colour(backend: str, seen: Sequence[str]) -> str:
    if backend in BACKEND_COLOURS:
        return BACKEND_COLOURS[backend]
    return RUN_COLOURS[(list(seen).index(backend) + 3) % len(RUN_COLOURS)]


def lanes(report: RunReport) -> dict[tuple[int, str], list[tuple[int, np.ndarray]]]:
    """Per worker (pid, thread): (map index, rows of start, end, ok in ms from the start)."""
    out: dict[tuple[int, str], list[tuple[int, np.ndarray]]] = {}
    for index, entry in enumerate(report.runs):
        table = entry.spans
        if not len(table):
            continue
        pids = np.asarray(table.pid, dtype=np.int64)
        threads = np.asarray(table.thread_index, dtype=np.int64)
        rows = np.column_stack(
            [
                (np.asarray(table.start, dtype=float) - report.origin) * 1e3,
                (np.asarray(table.end, dtype=float) - report.origin) * 1e3,
                np.asarray(table.ok, dtype=float),
            ]
        )
        for pid, thread in sorted(set(zip(pids.tolist(), threads.tolist(), strict=True))):
            chosen = (pids == pid) & (threads == thread)
            key = (int(pid), table.threads[int(thread)])
            out.setdefault(key, []).append((index, rows[chosen]))
    return out


def merged_bars(rows: np.ndarray, min_gap: float) -> np.ndarray:
    """Start/end of bars covering ``rows`` with gaps below ``min_gap`` closed."""
    order = np.argsort(rows[:, 0], kind="stable")
    starts, ends = rows[order, 0], np.maximum.accumulate(rows[order, 1])
    breaks = np.nonzero(starts[1:] > ends[:-1] + min_gap)[0]
    first = np.concatenate([[0], breaks + 1])
    last = np.concatenate([breaks, [len(starts) - 1]])
    return np.column_stack([starts[first], ends[last]])


def timeline_svg(report: RunReport, t_max: float | None = None, width: int = 760) -> str:
    """The run's lanes on an axis from 0 to ``t_max`` ms (default: the run's own end)."""
    workers = lanes(report)
    if not workers:
        return '<p class="empty">This run has no task spans to draw (none, or pruned).</p>'
    t_max = t_max or run_end_ms(report) or 1.0
    shown = list(workers)[:MAX_LANES]
    names = [f"pid {p}" if t in ("", "MainThread") else f"pid {p} {t}" for p, t in shown]
    label_w = min(width // 3, max(90, CHAR_W * max(map(len, names)) + 14))
    plot_w = width - label_w - 16
    axis_y = len(shown) * (LANE_H + LANE_GAP) + 6
    height = axis_y + 40
    backends = list(dict.fromkeys(entry.measurement.backend for entry in report.runs))
    bars, labels = [], []
    for lane, (key, name) in enumerate(zip(shown, names, strict=True)):
        y = lane * (LANE_H + LANE_GAP) + 4
        labels.append(
            f'<text x="{label_w - 8}" y="{y + 11}" text-anchor="end">{escape(name)}</text>'
        )
        for index, rows in workers[key]:
            colour = backend_colour(report.runs[index].measurement.backend, backends)
            bars.append(_lane_bars(rows, y, colour, t_max / plot_w))
    more = len(workers) - len(shown)
    note = f'<text x="4" y="{height - 4}">… {more} more workers not drawn</text>' if more else ""
    clip = f"clip-{id(report)}"
    return (
        f'<svg class="plot timeline zoomable" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" style="{FONT}" '
        f'data-x0="{label_w}" data-w="{plot_w}" data-t1="{t_max:.6g}" data-axis-y="{axis_y}" '
        f'role="img"><title>Timeline: which worker ran which task, and when</title>'
        f'<defs><clipPath id="{clip}"><rect x="{label_w}" y="0" width="{plot_w}" '
        f'height="{axis_y}"/></clipPath></defs>{"".join(labels)}'
        f'<g clip-path="url(#{clip})"><g class="data" transform="translate({label_w},0) '
        f'scale({plot_w / t_max:.6g},1)">{"".join(bars)}</g></g>'
        f'<g class="axis">{_axis(0.0, t_max, axis_y, label_w, plot_w)}</g>{note}</svg>'
    )


def _lane_bars(rows: np.ndarray, y: int, colour: str, ms_per_px: float) -> str:
    parts = [
        f'<rect x="{start:.6g}" y="{y}" width="{max(end - start, ms_per_px * 0.6):.6g}" '
        f'height="{LANE_H}" fill="{colour}"/>'
        for start, end in merged_bars(rows, ms_per_px).tolist()
    ]
    failed = rows[rows[:, 2] == 0][:MAX_FAILED]
    parts += [
        f'<rect class="failed" x="{start:.6g}" y="{y}" width="{max(end - start, ms_per_px):.6g}" '
        f'height="{LANE_H}" fill="{FAILED}"/>'
        for start, end, _ok in failed.tolist()
    ]
    return "".join(parts)


def _axis(low: float, high: float, y: float, left: int, plot_w: float) -> str:
    parts = [f'<line x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}" stroke="currentColor"/>']
    for tick in nice_ticks(low, high, 6):
        if low <= tick <= high:
            x = left + (tick - low) / (high - low) * plot_w
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 4}" stroke="currentColor"/>'
                f'<text x="{x:.1f}" y="{y + 16}" text-anchor="middle">{tick:.4g}</text>'
            )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{y + 32}" text-anchor="middle">'
        "time since the run started (ms)</text>"
    )
    return "".join(parts)


ZOOM_SCRIPT = """
(function(){
function ticks(a,b,n){var r=(b-a)/n,p=Math.pow(10,Math.floor(Math.log10(r))),s=p;
[1,2,5,10].some(function(m){s=m*p;return s>=r;});var out=[];
for(var t=Math.ceil(a/s)*s;t<=b;t+=s){out.push(t);}return out;}
function fmt(t){return +t.toPrecision(4)+"";}
document.querySelectorAll("svg.zoomable").forEach(function(svg){
var g=svg.querySelector("g.data"),ax=svg.querySelector("g.axis"),d=svg.dataset;
var x0=+d.x0,w=+d.w,full=+d.t1,y=+d.axisY,a=0,b=full,drag=null,NS="http://www.w3.org/2000/svg";
function el(name,attrs,text){var e=document.createElementNS(NS,name);
for(var k in attrs){e.setAttribute(k,attrs[k]);}if(text){e.textContent=text;}ax.appendChild(e);}
function draw(){var k=w/(b-a);g.setAttribute("transform","translate("+(x0-a*k)+",0) scale("+k+",1)");
while(ax.firstChild){ax.removeChild(ax.firstChild);}
el("line",{x1:x0,x2:x0+w,y1:y,y2:y,stroke:"currentColor"});
ticks(a,b,6).forEach(function(t){var x=x0+(t-a)*k;
el("line",{x1:x,x2:x,y1:y,y2:y+4,stroke:"currentColor"});
el("text",{x:x,y:y+16,"text-anchor":"middle"},fmt(t));});
el("text",{x:x0+w/2,y:y+32,"text-anchor":"middle"},"time since the run started (ms)");}
function at(ev){var r=svg.getBoundingClientRect(),px=(ev.clientX-r.left)*svg.viewBox.baseVal.width/r.width;
return a+(px-x0)/w*(b-a);}
function clamp(){var span=Math.max(b-a,full*1e-6);if(span>=full){a=0;b=full;return;}
if(a<0){a=0;}b=a+span;if(b>full){b=full;a=full-span;}}
svg.addEventListener("wheel",function(ev){ev.preventDefault();var t=at(ev),f=ev.deltaY<0?0.8:1.25;
a=t-(t-a)*f;b=t+(b-t)*f;clamp();draw();},{passive:false});
svg.addEventListener("mousedown",function(ev){drag={t:at(ev),a:a,b:b};});
window.addEventListener("mouseup",function(){drag=null;});
svg.addEventListener("mousemove",function(ev){if(!drag){return;}var shift=drag.t-at(ev);
a+=shift;b+=shift;clamp();draw();});
svg.addEventListener("dblclick",function(){a=0;b=full;draw();});
draw();svg.setAttribute("data-zoom","ready");});
})();
"""
