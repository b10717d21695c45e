"""The real app (``desktop_app.entry.main([])``, so ``run_gui`` with its signal handlers and
quit hooks) with one addition for lifecycle tests: it starts a run by itself and obeys commands.

Usage: ``python _gui_driver.py SCENARIO [NAME=VALUE ...] [--pool-size N]``. Prints
``pid=N``, ``run_started``, ``measuring SERIES`` and ``run_finished STATE`` on stdout; reads
``cancel`` (Esc), ``close`` (close the window, as File > Quit does) or ``quit`` (``QApplication.quit()`` with
the window still open, as a session end does) on stdin.
The settings go wherever ``XDG_CONFIG_HOME`` points, so a test never touches the user's own.

Test-only, so the app itself needs no hidden auto-run switch. Nothing is imported at module
level: workers re-import this file as ``__mp_main__``; it stays as thin as ``__main__.py``.
"""

import sys


def _parse(argv):
    scenario, rest = argv[0], argv[1:]
    size, settings = None, []
    while rest:
        item = rest.pop(0)
        if item == "--pool-size":
            size = int(rest.pop(0))
        else:
            settings.append(item)
    return scenario, settings, size


def main(argv):
    import os

    from PySide6.QtCore import QCoreApplication, QSocketNotifier, QTimer

    from desktop_app import entry
    from desktop_app.scenarios.registry import get_scenario
    from desktop_app.ui import app as ui_app

    scenario_id, settings, size = _parse(argv)
    params = get_scenario(scenario_id).parse_settings(settings)
    base = ui_app.MainWindow

    class AutoRunWindow(base):
        """The app's window, which starts the requested run once the event loop runs."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.run_started.connect(lambda _id: _say("run_started"))
            self.run_finished.connect(lambda report: _say(f"run_finished {report.state}"))
            QTimer.singleShot(0, self._auto_run)
            self._commands = QSocketNotifier(0, QSocketNotifier.Type.Read, self)
            self._commands.activated.connect(self._on_command)

        def _watch_events(self):
            """Say ``measuring SERIES`` as each measurement starts (the feed's slot, wrapped)."""
            from desktop_app.engine.events import MeasurementStarted

            apply = self.feed.apply

            def apply_and_tell(batch):
                for event in batch:
                    if isinstance(event, MeasurementStarted):
                        _say(f"measuring {event.series}")
                apply(batch)

            self.feed.apply = apply_and_tell  # start_run connects self.feed.apply

        def _auto_run(self):
            self._watch_events()
            self.select_scenario(scenario_id)
            for name, value in params.items():
                self.set_param(name, value)
            if size is not None:
                self.set_pool_size(size)
                self.set_pool_sizes((size,))
            self.set_repeats(1)
            if not self.start_run():
                _say(f"refused {self.last_refusal}")

        def _on_command(self):
            line = sys.stdin.readline().strip()
            if line == "close":
                self.close()
            elif line == "cancel":
                self.cancel_run()
            elif line == "quit" or not line:  # EOF: the test went away
                QCoreApplication.quit()

    ui_app.MainWindow = AutoRunWindow
    _say(f"pid={os.getpid()}")
    return entry.main([])


def _say(text):
    print(text, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
