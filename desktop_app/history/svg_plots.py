"""Vector plots for the HTML report, written as SVG text in Python (no Qt, no browser library).

Two plots: the timing plot (median wall time per pool size, whiskers from the fastest to the
slowest repeat, one style per run so runs overlay) and a run's timeline (one lane per worker,
a bar per task). The timeline is in svg_timeline.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

RUN_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#9c755f")
DASHES = ("", "6 3", "2 3", "8 3 2 3")
MARKERS = ("circle", "square", "diamond", "triangle")
FAILED = "#d62728"
FONT = (
    "font-family:system-ui,sans-serif;font-size:12px;fill:currentColor"  # text in the page colour
)


@dataclass(frozen=True)
class Curve:
    """One line of the timing plot: a run's series, its samples per pool size."""

    label: str
    style: int  # the run's index: its dash and marker
    colour: str
    samples: dict[int, list[float]]  # pool size -> wall times of the completed repeats


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (steps of 1, 2 or 5 times a power of ten)."""
    span = high - low if high > low else abs(high) or 1.0
    raw = span / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1.5))]


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "diamond":
        points = f"{x},{y - 5} {x + 5},{y} {x},{y + 5} {x - 5},{y}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if kind == "triangle":
        points = f"{x},{y - 5} {x + 5},{y + 4} {x - 5},{y + 4}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def timing_svg(curves: Sequence[Curve], width: int = 760, height: int = 340) -> str:
    """Median wall time against pool size, whiskers min to max, a legend naming each curve."""
    sizes = sorted({size for curve in curves for size in curve.samples})
    values = [v for curve in curves for vs in curve.samples.values() for v in vs]
    if not sizes or not values:
        return '<p class="empty">No completed repeat to plot.</p>'
    left, right, top, bottom = 70, 20, 16, 46
    legend_h = 20 * len(curves) + 8
    ticks = nice_ticks(0.0, max(values) * 1.08)
    y_max = ticks[-1] or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(size: int) -> float:
        slot = plot_w / len(sizes)
        return left + slot * (sizes.index(size) + 0.5)

    def y_of(value: float) -> float:
        return top + plot_h * (1 - value / y_max)

    parts = [_axes(left, top, plot_w, plot_h, ticks, y_of, "wall time (s)")]
    for size in sizes:
        parts.append(
            f'<text x="{x_of(size):.1f}" y="{top + plot_h + 18}" text-anchor="middle">{size}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h + 38}" text-anchor="middle">'
        "pool size</text>"
    )
    for curve in curves:
        parts.append(_curve(curve, x_of, y_of))
    parts.append(_legend(curves, left, height + 4))
    total = height + legend_h
    return (
        f'<svg class="plot timing" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
        f'{total}" width="{width}" height="{total}" style="{FONT}" role="img">'
        f"<title>Wall time against pool size</title>{''.join(parts)}</svg>"
    )


def _axes(left, top, plot_w, plot_h, ticks, y_of, label: str) -> str:
    parts = [
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="currentColor" stroke-opacity="0.5"/>'
    ]
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="currentColor" stroke-opacity="0.15"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(tick)}</text>'
        )
    parts.append(
        f'<text transform="translate(16,{top + plot_h / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle">{escape(label)}</text>'
    )
    return "".join(parts)


def _curve(curve: Curve, x_of, y_of) -> str:
    dash = DASHES[curve.style % len(DASHES)]
    marker = MARKERS[curve.style % len(MARKERS)]
    points, parts = [], []
    for size in sorted(curve.samples):
        values = curve.samples[size]
        if not values:
            continue
        x, y = x_of(size), y_of(float(np.median(values)))
        points.append(f"{x:.1f},{y:.1f}")
        low, high = y_of(min(values)), y_of(max(values))
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{low:.1f}" y2="{high:.1f}" '
            f'stroke="{curve.colour}" stroke-width="1.5"/>'
        )
        parts.append(_marker(marker, x, y, curve.colour))
    line = (
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{curve.colour}" '
        f'stroke-width="2" stroke-dasharray="{dash}"/>'
    )
    return f'<g class="curve"><title>{escape(curve.label)}</title>{line}{"".join(parts)}</g>'


def _legend(curves: Sequence[Curve], left: int, top: float) -> str:
    parts = []
    for index, curve in enumerate(curves):
        y = top + 20 * index + 10
        dash = DASHES[curve.style % len(DASHES)]
        parts.append(
            f'<line x1="{left}" x2="{left + 34}" y1="{y}" y2="{y}" stroke="{curve.colour}" '
            f'stroke-width="2" stroke-dasharray="{dash}"/>'
            + _marker(MARKERS[curve.style % len(MARKERS)], left + 17, y, curve.colour)
            + f'<text class="legend" x="{left + 44}" y="{y + 4}">{escape(curve.label)}</text>'
        )
    return "".join(parts)
