"""Rendering a plot view as PNG or SVG, with the run's title and parameters above it.

The files are written by the engine's atomic writer (engine/outputs/writers.py): a failed
export never leaves half a file where a good one was, and failures raise ``OSError`` with a
message fit for a message box. The run's own formats (JSON, CSV, trace) are not here: they
are Qt-free and registered in engine/outputs/formats.py.
"""

from __future__ import annotations

import contextlib
import html
import importlib
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QBuffer, QIODevice, QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from ...engine.outputs.writers import write_bytes_atomically

_svg_module: Any = importlib.import_module("pyqtgraph.exporters.SVGExporter")
_ORIGINAL_CORRECT = _svg_module.correctCoordinates
_CLOSE = re.compile(r"[Zz]")


# --- the plot -------------------------------------------------------------------------------

HEADER_FONT_PX = 13  # the title's size at the plot's on-screen scale; it grows with the image
FONT_STACK = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"
_GENERIC_SANS = {"sans serif", "sans", "sansserif", "sans-serif", "ms shell dlg 2"}


def export_png(
    plot_item, path: str | os.PathLike[str], width: int = 1600, header: Sequence[str] = ()
) -> Path:
    """The plot as a PNG ``width`` pixels wide, everything scaled alike (legend and text too).

    Rendered at the on-screen layout with a device pixel ratio of ``width / on-screen
    width``, as a high-DPI screen would draw it: pyqtgraph's ImageExporter re-lays the scene
    at the larger size and kept the legend's text at 12 px in a 1600 px image. ``header``
    lines (the run's title and parameters) go above the plot.
    """
    _check_has_size(plot_item)
    source = plot_item.sceneBoundingRect()
    scale = max(0.1, float(width) / source.width())
    header_h = _header_height(header)
    image = QImage(
        int(round(source.width() * scale)),
        int(round((source.height() + header_h) * scale)),
        QImage.Format.Format_ARGB32,
    )
    image.setDevicePixelRatio(scale)
    background = _background(plot_item)
    image.fill(background)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        _paint_header(painter, header, source.width(), background)
        target = QRectF(0, header_h, source.width(), source.height())
        plot_item.scene().render(painter, target, source)
    finally:
        painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # The stub types the format as bytes, but PySide6 6.11 raises ValueError for b"PNG".
    if image.isNull() or not image.save(buffer, "PNG"):  # type: ignore[call-overload]
        raise OSError(f"Cannot write {path}: the plot could not be rendered as PNG")
    return write_bytes_atomically(path, bytes(buffer.data().data()))


def export_svg(plot_item, path: str | os.PathLike[str], header: Sequence[str] = ()) -> Path:
    """The plot as SVG (see :class:`ClosedPathSVGExporter`), made to render in a browser as in
    the app: a font stack a browser resolves (Qt writes "Sans Serif", which Chromium draws
    serif), width and height on the root, and the ``header`` lines above the plot."""
    _check_has_size(plot_item)
    data = ClosedPathSVGExporter(plot_item).export(toBytes=True)
    background = _background(plot_item)
    return write_bytes_atomically(path, browser_ready_svg(bytes(data), header, background))


def browser_ready_svg(data: bytes, header: Sequence[str] = (), background=None) -> bytes:
    text = data.decode("utf-8")
    text = re.sub(r'font-family="([^"]*)"', lambda m: f'font-family="{_font_stack(m[1])}"', text)
    view = re.search(r'viewBox\s*=\s*"([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"', text)
    if view is None:
        return text.encode("utf-8")
    width, height = float(view[3]), float(view[4])
    header_h = _header_height(header)
    total = height + header_h
    root_end = text.index(">", view.end()) + 1
    root = text[: view.start()] + f'viewBox="0 0 {width:g} {total:g}"' + text[view.end() : root_end]
    root = root.replace("<svg ", f'<svg width="{width:g}" height="{total:g}" ', 1)
    body = text[root_end:]
    colour = _text_colour(background).name() if background is not None else "#000000"
    lines = "".join(
        f'<text x="8" y="{_line_y(index):g}" font-family="{FONT_STACK}" '
        f'font-size="{_line_size(index)}" font-weight="{700 if index == 0 else 400}" '
        f'fill="{colour}">{html.escape(line)}</text>\n'
        for index, line in enumerate(header)
    )
    close = body.rindex("</svg>")
    rect = re.search(r"<rect [^>]*/>\s*", body)  # pyqtgraph's full-size background
    cut = rect.end() if rect and rect.start() < body.find("<g") else 0
    body = (
        body[:cut]
        + lines
        + f'<g transform="translate(0,{header_h:g})">\n'
        + body[cut:close]
        + "</g>\n"
        + body[close:]
    )
    return (root + body).encode("utf-8")


def _font_stack(value: str) -> str:
    names = [name.strip().strip("'\"") for name in html.unescape(value).split(",")]
    kept = [name for name in names if name and name.lower() not in _GENERIC_SANS]
    return ", ".join(kept + [FONT_STACK])


def _line_size(index: int) -> int:
    return HEADER_FONT_PX + 2 if index == 0 else HEADER_FONT_PX - 1


def _line_y(index: int) -> float:
    return 6 + sum(_line_size(i) + 5 for i in range(index + 1)) - 5


def _header_height(header: Sequence[str]) -> float:
    return _line_y(len(header) - 1) + 10 if header else 0.0


def _background(plot_item) -> QColor:
    views = plot_item.scene().views() if plot_item.scene() is not None else []
    if views:
        colour = views[0].backgroundBrush().color()
        if colour.alpha() > 0:
            return colour
    return QColor("white")


def _text_colour(background: QColor) -> QColor:
    return QColor("#eeeeee") if background.lightness() < 128 else QColor("#111111")


def _paint_header(painter: QPainter, header: Sequence[str], width: float, background) -> None:
    painter.setPen(_text_colour(background))
    for index, line in enumerate(header):
        font = QFont("DejaVu Sans")
        font.setStyleHint(QFont.StyleHint.SansSerif)
        font.setPixelSize(_line_size(index))
        font.setBold(index == 0)
        painter.setFont(font)
        painter.drawText(QPointF(8, _line_y(index)), line)


def _check_has_size(plot_item) -> None:
    rect = plot_item.sceneBoundingRect()
    if rect.width() < 2 or rect.height() < 2:
        raise OSError("The plot has no size yet: show it once before exporting")


class ClosedPathSVGExporter(pg.exporters.SVGExporter):
    """pyqtgraph's SVG exporter, able to read the closed paths Qt >= 6.11 writes.

    pyqtgraph 0.14.0 bakes each group's transform into its path coordinates by splitting the
    ``d`` attribute into ``x,y`` tokens; Qt 6.11 started closing paths with ``Z`` (a token
    with no comma), and the unpacking fails (pyqtgraph issue 3495). During our ``export`` only,
    the module's ``correctCoordinates`` is swapped for :func:`_correct_closed_paths`, which
    lifts the ``Z`` commands out, lets pyqtgraph transform the coordinates, and puts them
    back. The swap is undone in ``finally``, so pyqtgraph's own exporter stays untouched; the
    export runs on the GUI thread, so nothing else exports in between.
    """

    def export(self, fileName=None, toBytes=False, copy=False):  # pyqtgraph API
        with _closed_path_support():
            return super().export(fileName=fileName, toBytes=toBytes, copy=copy)


@contextlib.contextmanager
def _closed_path_support() -> Iterator[None]:
    previous = _svg_module.correctCoordinates
    _svg_module.correctCoordinates = _correct_closed_paths
    try:
        yield
    finally:
        _svg_module.correctCoordinates = previous


def _correct_closed_paths(node, defs, item, options) -> None:
    """``correctCoordinates`` for paths that contain ``Z``: same transform, closes kept."""
    closes: list[tuple[Any, list[int]]] = []
    for path in node.getElementsByTagName("path"):
        d = path.getAttribute("d")
        if not _CLOSE.search(d):
            continue
        tokens, after = _split_closes(d)
        path.setAttribute("d", " ".join(tokens))
        closes.append((path, after))
    _ORIGINAL_CORRECT(node, defs, item, options)
    for path, after in closes:
        tokens = path.getAttribute("d").split()
        for position in after:  # ascending: each index counts the Zs before it
            tokens.insert(position, "Z")
        path.setAttribute("d", " ".join(tokens))


def _split_closes(d: str) -> tuple[list[str], list[int]]:
    """Coordinate tokens of ``d`` without its Z commands, and where each Z stood."""
    tokens: list[str] = []
    after: list[int] = []
    for raw in d.split():
        parts = _CLOSE.split(raw)
        for index, part in enumerate(parts):
            if part:
                tokens.append(part)
            if index < len(parts) - 1:
                after.append(len(tokens) + len(after))
    return tokens, after
