"""Driving a real MainWindow from the screenshot scripts: open an experiment, run to the end.

Each wait has an event loop and a time-out of its own: a time-out shared between two waits
(an experiment's opening, then its run) once ended the run ten seconds in. Qt is imported
when called, so the benchmark helpers that import nothing of Qt stay importable without it.
"""

from __future__ import annotations

from typing import Any


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
