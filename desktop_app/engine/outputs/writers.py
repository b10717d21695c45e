"""Writing output files safely: atomically, with the user's permissions, cancellable.

Every export (CLI and window) goes through :func:`write_atomically`: the content is written to
a temporary file in the target's own folder and renamed over the target only once complete, so
a full disk, a cancel or a crash never leaves half a file where a good one was. The temporary
file gets the mode the user would get from a plain ``open()`` (``0666 & ~umask``), or the old
file's mode when one is replaced: ``mkstemp`` alone makes every export ``0600``.

Writers stream: they are handed a text handle and a :class:`Progress` to tick between chunks,
and the tick is also where a cancel lands (:class:`ExportCancelled`).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

YIELD_SLEEP_S = 0.002
BUFFER_BYTES = 1 << 20  # large writes: a 100 MB file is a hundred system calls, not thousands


class ExportCancelled(Exception):
    """The user cancelled an export: the target is left as it was."""


class Progress:
    """A writer's progress (``done`` of ``total`` units) and the cancel it must honour.

    Thread-safe enough for one writer thread and one reader: the reader only looks at
    ``fraction`` and sets the cancel; ``tick`` raises :class:`ExportCancelled` once cancelled.
    """

    def __init__(
        self,
        on_change: Callable[[float], None] | None = None,
        cancel: threading.Event | None = None,
        yield_every_s: float | None = None,
    ) -> None:
        self.total = 1
        self.done = 0
        self._on_change = on_change
        self.cancel_event = cancel or threading.Event()
        self._yield_every_s = yield_every_s
        self._last_yield = time.perf_counter()

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total > 0 else 1.0

    def add_total(self, units: int) -> None:
        self.total += max(0, units)

    def tick(self, units: int = 1) -> None:
        self.done += units
        if self.cancel_event.is_set():
            raise ExportCancelled("export cancelled")
        if self._on_change is not None:
            self._on_change(self.fraction)
        if self._yield_every_s is not None:
            self._share_the_gil(self._yield_every_s)

    def _share_the_gil(self, every_s: float) -> None:
        """Sleep a moment after each ``yield_every_s`` of work, so a GUI thread in the same
        process finds the GIL free when it wakes instead of waiting for Python's forced switch
        (5 ms, then the OS must schedule it): on a loaded 2-core machine a writer that never
        paused stretched the window's event-loop gaps past 100 ms."""
        now = time.perf_counter()
        if now - self._last_yield >= every_s:
            time.sleep(YIELD_SLEEP_S)
            self._last_yield = time.perf_counter()

    def cancel(self) -> None:
        self.cancel_event.set()


def _umask() -> int:
    """The process umask, read without changing it where Linux allows (``os.umask`` is racy)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode(target: Path) -> int:
    """The mode ``target`` should get: its current one when it exists, else the umask's."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def write_atomically(
    path: str | os.PathLike[str],
    write: Callable[[Any], None],
    *,
    make_parents: bool = True,
    binary: bool = False,
) -> Path:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it over ``path``.

    Missing parent folders are created (``--csv results/spans.csv``). Raises ``OSError`` with
    a one-line reason (the old file untouched), or :class:`ExportCancelled` after a cancel.
    """
    target = Path(path)
    folder = target.parent
    try:
        if make_parents:
            folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OSError(exc.errno, f"Cannot write {target}: {exc.strerror or exc}") from exc
    try:
        os.fchmod(fd, file_mode(target))
        text: dict[str, Any] = {} if binary else {"encoding": "utf-8", "newline": ""}
        with open(fd, "wb" if binary else "w", buffering=BUFFER_BYTES, **text) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            raise OSError(exc.errno, f"Cannot write {target}: {reason}") from exc
        raise
    return target


def write_bytes_atomically(path: str | os.PathLike[str], data: bytes) -> Path:
    """``data`` to ``path`` through :func:`write_atomically` (images, drawings)."""
    return write_atomically(path, lambda handle: handle.write(data), binary=True)


def with_suffix(path: str | os.PathLike[str], suffix: str) -> tuple[Path, bool]:
    """``path`` with ``suffix`` added when its name lacks it; and whether it was added.

    ``spans`` becomes ``spans.csv``. A name that already ends in the format's last extension
    (``run.json`` for a ``.trace.json`` trace) is the user's choice and is kept as given.
    """
    target = Path(path)
    last = "." + suffix.rsplit(".", 1)[-1]
    if target.name.lower().endswith(suffix.lower()) or target.suffix.lower() == last.lower():
        return target, False
    return target.with_name(target.name + suffix), True
