"""Export of the plot (PNG, SVG) and of the run (JSON, CSV, Chrome trace), written atomically.

Every writer goes to a temporary file next to the target and ``os.replace``s it, so a failed
export never leaves half a file where a good one was; failures raise ``OSError`` with a message
fit for a message box.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyqtgraph as pg
import pyqtgraph.exporters  # registers the exporters on pg.exporters
from PySide6.QtCore import QBuffer, QIODevice

from ...engine.outputs.report import RunReport
from ...engine.outputs.trace import chrome_trace

_svg_module: Any = importlib.import_module("pyqtgraph.exporters.SVGExporter")
_ORIGINAL_CORRECT = _svg_module.correctCoordinates
_CLOSE = re.compile(r"[Zz]")


# --- atomic writes --------------------------------------------------------------------------


def _write_atomically(path: str | os.PathLike[str], write: Callable[[str], None]) -> Path:
    """Call ``write(temp_path)`` then move the temp file over ``path``; OSError on failure."""
    target = Path(path)
    try:
        fd, temp = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or "."
        )
    except OSError as exc:
        raise OSError(f"Cannot write {target}: {exc.strerror or exc}") from exc
    os.close(fd)
    try:
        write(temp)
        os.replace(temp, target)
    except Exception as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise OSError(f"Cannot write {target}: {reason}") from exc
    return target


def _write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    def write(temp: str) -> None:
        with open(temp, "wb") as handle:
            handle.write(data)

    return _write_atomically(path, write)


def _write_text(path: str | os.PathLike[str], text: str) -> Path:
    return _write_bytes(path, text.encode("utf-8"))


# --- the plot -------------------------------------------------------------------------------


def export_png(plot_item: pg.PlotItem, path: str | os.PathLike[str], width: int = 1600) -> Path:
    """The plot as a PNG ``width`` pixels wide (height keeps the on-screen aspect)."""
    _check_has_size(plot_item)
    exporter = pg.exporters.ImageExporter(plot_item)
    exporter.parameters()["width"] = int(width)
    image = exporter.export(toBytes=True)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if image is None or image.isNull() or not image.save(buffer, "PNG"):
        raise OSError(f"Cannot write {path}: the plot could not be rendered as PNG")
    return _write_bytes(path, bytes(buffer.data().data()))


def export_svg(plot_item: pg.PlotItem, path: str | os.PathLike[str]) -> Path:
    """The plot as SVG, through :class:`ClosedPathSVGExporter` (see there for why)."""
    _check_has_size(plot_item)
    data = ClosedPathSVGExporter(plot_item).export(toBytes=True)
    return _write_bytes(path, data)


def _check_has_size(plot_item: pg.PlotItem) -> None:
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


# --- the run --------------------------------------------------------------------------------


def export_report_json(report: RunReport, path: str | os.PathLike[str]) -> Path:
    """The run in the CLI's ``--json`` schema."""
    return _write_text(path, report.dumps())


def export_csv(report: RunReport, path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Every task span to ``path``, the summary to ``<stem>-summary.csv`` beside it."""
    target = Path(path)
    summary = target.with_name(f"{target.stem}-summary{target.suffix or '.csv'}")
    return _write_text(target, report.spans_csv()), _write_text(summary, report.summary_csv())


def export_trace(report: RunReport, path: str | os.PathLike[str]) -> Path:
    """The spans as a Chrome/Perfetto trace (open in ui.perfetto.dev)."""
    return _write_text(path, json.dumps(chrome_trace(report)))
