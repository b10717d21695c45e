"""The one registry of run export formats, iterated by the CLI and the window alike.

A format is a key (``--KEY PATH`` in the CLI), a menu label, a file suffix and a streaming
writer; pyqtgraph's ``Exporter.register`` is the model. Plot formats (PNG, SVG) need Qt and
register the same way on the window's side (``ui/export/plot_formats.py``).

Adding a format: one module that calls :func:`register` at import, and its name in
``_MODULES`` below (the one registration line). The CLI gains ``--KEY``, the window a menu
entry, and the tests a round of checks, without another edit.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .report import RunReport
from .writers import Progress, write_atomically

StreamWriter = Callable[[RunReport, TextIO, "Progress | None"], None]

_MODULES = (
    "json_format",
    "csv_format",
    "trace",
)


@dataclass(frozen=True)
class RunFormat:
    """How a run is written in one format.

    ``streams`` are the files it writes: (how to name it from the target, writer); the first
    is the target itself. ``stdout`` says whether ``-`` (standard output) makes sense.
    """

    key: str
    label: str
    suffix: str
    description: str
    help: str
    streams: tuple[tuple[Callable[[Path], Path], StreamWriter], ...]
    stdout: bool = False

    def paths(self, target: Path) -> list[Path]:
        """Every file writing to ``target`` produces."""
        return [name(target) for name, _ in self.streams]

    def write(
        self, report: RunReport, target: str | os.PathLike[str], progress: Progress | None = None
    ) -> list[Path]:
        """Write every file of this format atomically; returns their paths."""
        written = []
        for name, writer in self.streams:
            path = name(Path(target))

            def write_file(handle: TextIO, w: StreamWriter = writer) -> None:
                w(report, handle, progress)

            write_atomically(path, write_file)
            written.append(path)
        return written

    def write_stream(
        self, report: RunReport, handle: TextIO, progress: Progress | None = None
    ) -> None:
        """The first file's content to an open handle (``--json -``)."""
        self.streams[0][1](report, handle, progress)

    @property
    def file_filter(self) -> str:
        return f"{self.description} (*{self.suffix})"


def same_path(target: Path) -> Path:
    return target


_REGISTRY: dict[str, RunFormat] = {}
_loaded = False


def register(fmt: RunFormat) -> RunFormat:
    """Add ``fmt`` (a later registration of the same key replaces it)."""
    _REGISTRY[fmt.key] = fmt
    return fmt


def run_formats() -> list[RunFormat]:
    """Every registered run format: the built-in ones in ``_MODULES`` order, then the rest."""
    global _loaded
    if not _loaded:
        for name in _MODULES:
            importlib.import_module(f"{__package__}.{name}")
        _loaded = True

    def rank(fmt: RunFormat) -> int:
        module = fmt.streams[0][1].__module__.rpartition(".")[2]
        return _MODULES.index(module) if module in _MODULES else len(_MODULES)

    return sorted(_REGISTRY.values(), key=rank)


def get_format(key: str) -> RunFormat:
    for fmt in run_formats():
        if fmt.key == key:
            return fmt
    raise KeyError(f"no export format {key!r}")
