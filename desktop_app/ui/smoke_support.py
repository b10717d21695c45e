"""The smoke test's support: the PNG export check, the source check, and the watch over
windows and child processes (split from smoke_test.py to keep each module small)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any


class SmokeFailure(Exception):
    """A check failed; the message names what, in one line."""


# What a child of ours may legitimately be: multiprocessing's workers and helpers.
_WORKER_MARKERS = (
    "multiprocessing.forkserver",
    "multiprocessing.resource_tracker",
    "multiprocessing.spawn",
    "--multiprocessing-fork",
    "multiprocessing-forkserver",
)


def _export_plot(window: Any, output: str) -> Path:
    """Export the timing plot as PNG and check the file is one."""
    from PySide6.QtWidgets import QWidget

    from .export.exporters import export_png

    plot = window.findChild(QWidget, "timingPlot")
    if plot is None:
        raise SmokeFailure("no widget named timingPlot to export")
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        path = Path(export_png(plot.export_item("wall"), folder / "timing.png"))
    except OSError as exc:
        raise SmokeFailure(f"PNG export failed: {exc}") from None
    with open(path, "rb") as file:
        if file.read(8) != b"\x89PNG\r\n\x1a\n":
            raise SmokeFailure(f"PNG export wrote something that is not a PNG: {path}")
    return path


def _check_source() -> None:
    """The code viewer's source is there (a frozen app must ship the .py files)."""
    from ..scenarios.registry import get_scenario

    try:
        code = get_scenario("pool-timing").code()
    except (OSError, TypeError) as exc:
        raise SmokeFailure(f"scenario source unavailable: {exc}") from None
    if "def " not in code:
        raise SmokeFailure("scenario source is empty")


def _visible_windows(app: Any) -> int:
    return sum(1 for w in app.topLevelWidgets() if w.isWindow() and w.isVisible())


class _ProcessWatch:
    """Samples our descendants: any that is not a multiprocessing worker or helper means a
    child re-ran the app (a frozen app without ``freeze_support()`` first does exactly that).
    """

    def __init__(self) -> None:
        import psutil

        self._me = psutil.Process()
        self.strays: dict[int, str] = {}

    def sample(self) -> None:
        import psutil

        ours, own_argv = os.path.realpath(sys.executable), self._me.cmdline()
        for child in self._me.children(recursive=True):
            try:
                argv = child.cmdline()
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            # Only our own executable can re-run the app: other programs are not the app
            # (platform.platform(), which the run report calls, starts `uname -p`), and a
            # fork that has not exec'd its program yet still shows our own command line.
            if not argv or argv == own_argv or os.path.realpath(argv[0]) != ours:
                continue
            cmdline = " ".join(argv)
            if not any(marker in cmdline for marker in _WORKER_MARKERS):
                self.strays[child.pid] = cmdline

    def check(self) -> None:
        if self.strays:
            pid, cmdline = next(iter(self.strays.items()))
            raise SmokeFailure(f"a child process re-ran the app: pid {pid}: {cmdline[:120]}")


def _check_no_children(deadline: float) -> None:
    """Every child gone: workers at once, then multiprocessing's helpers, stopped here."""
    from ..engine.pools import stop_process_helpers

    stop_process_helpers()
    end = max(time.monotonic() + 5.0, min(deadline, time.monotonic() + 15.0))
    left = _live_children()
    while left and time.monotonic() < end:
        time.sleep(0.05)
        left = _live_children()
    if left:
        raise SmokeFailure(f"processes left behind: {left}")


def _live_children() -> list[int]:
    import psutil

    alive = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                alive.append(child.pid)
        except psutil.NoSuchProcess:
            pass
    return alive
