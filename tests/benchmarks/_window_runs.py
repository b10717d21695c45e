"""Driving a real MainWindow from the screenshot scripts: a shown window on throw-away
settings, an experiment opened, a run to its end.

Each wait has an event loop and a time-out of its own: a time-out shared between two waits
(an experiment's opening, then its run) once ended the run ten seconds in. Qt is imported
when called, so the benchmark helpers that import nothing of Qt stay importable without it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def shown_window(width: int = 1280, height: int = 800) -> Iterator[tuple[Any, Any]]:
    """(app, window): the main window with its own run host, as the app builds it, on a
    throw-away settings file, shown offscreen unless a platform was chosen; closed after (its
    run host stopped) and the process helpers (forkserver, resource tracker) with it."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings

    from desktop_app.engine.pools import stop_process_helpers
    from desktop_app.ui.app import make_application
    from desktop_app.ui.main_window import MainWindow

    app = make_application([])
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings)
        window.resize(width, height)
        window.show()
        app.processEvents()
        try:
            yield app, window
        finally:
            window.close()
            stop_process_helpers()


def open_experiment(window: Any, path: str, timeout_s: float = 10.0) -> None:
    """File ▸ Open experiment… on ``path``; returns once the window has it in its chooser."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    window.experiments.opened.connect(loop.quit)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    window.experiments.open(path)
    loop.exec()
    window.experiments.opened.disconnect(loop.quit)


def run_to_end(window: Any, timeout_s: float) -> Any | None:
    """Start the shown scenario and wait for its report; ``None`` (the run cancelled) when it
    has not finished within ``timeout_s``."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    finished: list[Any] = []

    def on_finished(report: Any) -> None:
        finished.append(report)
        loop.quit()

    window.run_finished.connect(on_finished)
    timer = QTimer(singleShot=True, interval=int(timeout_s * 1000))
    timer.timeout.connect(loop.quit)
    timer.start()
    try:
        if not window.start_run():
            raise SystemExit(f"refused: {window.last_refusal}")
        loop.exec()
    finally:
        timer.stop()
        window.run_finished.disconnect(on_finished)
    if not finished:
        window.cancel_run()
        return None
    return finished[0]
