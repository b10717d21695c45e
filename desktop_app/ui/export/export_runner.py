"""A run export written in the background, with progress and cancel, so the window never stalls.

A 100,000-task run's JSON held the GUI thread 3 s (19.5 s for 1.2 million tasks) when it was
written in a slot. Here the registry's streaming writer runs on a plain thread of its own; it
ticks a :class:`Progress` between chunks, which emits ``progressed`` (queued to the GUI thread)
and is where a cancel lands. The writer holds the GIL only between the GUI thread's turns
(Python switches threads every 5 ms), so the event loop keeps going. The thread touches no
widget: it only emits signals, received on the GUI thread.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from ...engine.outputs.writers import ExportCancelled, Progress

PER_MILLE = 1000
YIELD_EVERY_S = 0.004  # the writer pauses 2 ms after each 4 ms of work (writers.Progress)


class ExportJob(QObject):
    """One export on its own thread; exactly one of finished, failed or cancelled follows."""

    progressed = Signal(int)  # per mille done
    finished = Signal(object)  # list[Path] written
    failed = Signal(str)  # one line fit for a message box
    cancelled = Signal()

    def __init__(self, fmt: Any, report: Any, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.format, self.report, self.path = fmt, report, Path(path)
        self._last = -1
        self._progress = Progress(self._on_progress, yield_every_s=YIELD_EVERY_S)
        self._thread = threading.Thread(target=self._run, name=f"export-{fmt.key}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        """Stop at the next chunk; the target file is left as it was."""
        self._progress.cancel()

    def wait(self, timeout: float) -> bool:
        """Wait for the thread; True when it has ended."""
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def is_running(self) -> bool:
        return self._thread.is_alive()

    def _on_progress(self, fraction: float) -> None:
        value = int(fraction * PER_MILLE)
        if value != self._last:  # a signal per per-mille step at most, not per chunk
            self._last = value
            self.progressed.emit(value)

    def _run(self) -> None:
        try:
            written = self.format.write(self.report, self.path, self._progress)
        except ExportCancelled:
            self.cancelled.emit()
        except Exception as exc:  # any failure is a message, never a traceback
            self.failed.emit(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        else:
            self.finished.emit(written)
