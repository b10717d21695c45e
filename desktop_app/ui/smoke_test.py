"""``--smoke-test``: the window end to end in one bounded run, from source and frozen alike.

In the order a user would go: the main window opens (offscreen where there is no display);
pool-timing squares correctly on real process pools; a lesson's own processes print and their
prints come back; the exceptions scenario's errors reach the error console from every kind of
worker; the timing plot exports as PNG; exactly one window opened, no child process re-ran the
app and none outlived the run. Exit 0, or 1 with one line naming what failed.

It also reports ``window_shown_s=`` (process start to the window shown) and ``windows=``, read
by tests/packaging and tests/benchmarks/startup_time.py.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT_S = 120.0
WATCHDOG_GRACE_S = 15.0  # past the timeout, a stuck event loop is ended from outside it
LOG_NAME = "concurrency-lab-smoke-test.log"
ORIGINS = ("thread", "process", "future", "pool")
POOL_TIMING_N = 20
CONSOLE_WAIT_S = 10.0
# What a child of ours may legitimately be: multiprocessing's workers and helpers.
_WORKER_MARKERS = (
    "multiprocessing.forkserver",
    "multiprocessing.resource_tracker",
    "multiprocessing.spawn",
    "--multiprocessing-fork",
    "multiprocessing-forkserver",
)


class SmokeFailure(Exception):
    """A check failed; the message names what, in one line."""


class _Log:
    """Where the lines go: stderr, or a file in the temp dir when there is none.

    A windowed frozen app on Windows or macOS has ``sys.stderr = None``: writing must never
    crash there. ``extra`` (``--log``) gets every line too.
    """

    def __init__(self, extra: str | None) -> None:
        self.extra = Path(extra) if extra else None
        self.fallback = Path(tempfile.gettempdir()) / LOG_NAME

    def line(self, text: str) -> None:
        targets = [self.extra] if self.extra else []
        try:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
        except (AttributeError, OSError, ValueError):  # None, closed or broken
            targets.append(self.fallback)
        for path in targets:
            try:
                with open(path, "a", encoding="utf-8") as file:
                    file.write(text + "\n")
            except OSError:
                pass


def _parse(argv: list[str]) -> dict[str, Any]:
    """``--timeout S``, ``--output DIR`` (the PNG), ``--log FILE``, ``--until-shown``; no
    argparse: it would print usage to a stderr that a windowed app may not have, then exit.
    """
    options: dict[str, Any] = {"timeout": DEFAULT_TIMEOUT_S, "output": None, "log": None}
    args = list(argv)
    options["until_shown"] = "--until-shown" in args  # startup benchmark: stop once shown
    args = [a for a in args if a != "--until-shown"]
    while args:
        name = args.pop(0)
        key = name.removeprefix("--")
        if key not in options or not args:
            raise SmokeFailure(f"bad argument {name!r}: use --timeout S, --output DIR, --log FILE")
        value = args.pop(0)
        if key == "timeout":
            try:
                options[key] = float(value)
            except ValueError:
                raise SmokeFailure(f"--timeout needs seconds, not {value!r}") from None
        else:
            options[key] = value
    return options


def smoke_test(argv: list[str]) -> int:
    """Run the checks; 0 when all pass, else 1 after one line naming what failed."""
    log = _Log(None)
    try:
        options = _parse(argv)
        log = _Log(options["log"])
    except SmokeFailure as exc:
        log.line(f"smoke-test: FAIL {exc}")
        return 1
    _use_offscreen_without_display()
    watchdog = _start_watchdog(options["timeout"] + WATCHDOG_GRACE_S, log)
    try:
        _run_checks(options, log)
    except SmokeFailure as exc:
        log.line(f"smoke-test: FAIL {_one_line(str(exc))}")
        return 1
    except Exception as exc:  # a bug anywhere is still one named line, not a traceback
        log.line(f"smoke-test: FAIL unexpected {type(exc).__name__}: {_one_line(str(exc))}")
        return 1
    finally:
        watchdog.cancel()
    log.line("smoke-test: PASS")
    return 0


def _use_offscreen_without_display() -> None:
    """X11/Wayland systems with no display get Qt's offscreen platform (set before QApplication)."""
    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def _start_watchdog(seconds: float, log: _Log) -> threading.Timer:
    """End the process if the checks outlive ``seconds`` even with the event loop stuck.

    Pool workers leave with it: their parent-death watch exits them (engine/_worker.py).
    """

    def expire() -> None:
        log.line(f"smoke-test: FAIL timeout: still running after {seconds:.0f} s (watchdog)")
        os._exit(1)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.name = "smoke-test-watchdog"
    timer.start()
    return timer


def _process_start_time() -> float:
    """When this process started (epoch seconds): ``window_shown_s`` counts from here.

    psutil's ``create_time`` adds the kernel's boot time, which Linux gives in whole seconds, so
    it can be up to 1 s off (0.47 s measured on the 2-core machine). Linux: the age from
    /proc/self/stat and CLOCK_BOOTTIME instead (10 ms ticks); elsewhere psutil.
    """
    try:
        with open("/proc/self/stat", encoding="ascii") as file:
            ticks = int(file.read().rsplit(")", 1)[1].split()[19])  # field 22: starttime
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
        return time.time() - age
    except (OSError, ValueError, IndexError, AttributeError):
        import psutil

        return psutil.Process().create_time()


def _run_checks(options: dict[str, Any], log: _Log) -> None:
    started = _process_start_time()
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "ConcurrencyLab"])
    deadline = time.monotonic() + options["timeout"]
    watch = _ProcessWatch()
    window = MainWindow(defer_views=True)  # as the app builds it (app.run_gui): its own run host
    try:
        window.show()
        app.processEvents()
        log.line(f"window_shown_s={time.time() - started:.3f}")
        if options["until_shown"]:
            log.line(f"windows={_visible_windows(app)}")
            return
        runner = _Runner(app, window, deadline, watch, options["timeout"])
        _check_pool_timing(
            runner.run("pool-timing", {"n": POOL_TIMING_N, "workload": "square"}, (1, 2), 1)
        )
        log.line(f"png={_export_plot(window, options['output'])}")
        _check_start_join(runner.run("process-start-join", {}, None, 1))
        _check_exceptions(runner.run("exceptions", {"fault": "none"}, None, 1), window)
        _check_source()
        count = _visible_windows(app)
        log.line(f"windows={count}")
        if count != 1:
            raise SmokeFailure(f"windows={count}: expected exactly one window")
    finally:
        window.close()  # stops the run host and everything under it
        app.processEvents()
    watch.check()
    _check_no_children(deadline)


class _Runner:
    """Runs a scenario through the window's own API and waits for it, within the deadline."""

    def __init__(self, app: Any, window: Any, deadline: float, watch: Any, timeout: float) -> None:
        self.app, self.window, self.deadline = app, window, deadline
        self.watch, self.timeout = watch, timeout

    def run(self, scenario: str, params: dict[str, Any], sizes: tuple | None, repeats: int) -> Any:
        from PySide6.QtCore import QEventLoop, QTimer

        if time.monotonic() > self.deadline:
            raise SmokeFailure(f"timeout: {self.timeout:g} s overall ran out before {scenario}")
        window = self.window
        window.select_scenario(scenario)
        for name, value in params.items():
            window.set_param(name, value)
        if sizes is not None:
            window.set_pool_sizes(sizes)
        window.set_repeats(repeats)
        finished: list[Any] = []
        loop = QEventLoop()

        def on_finished(report: Any) -> None:
            finished.append(report)
            loop.quit()

        def on_tick() -> None:
            self.watch.sample()
            if time.monotonic() > self.deadline:
                loop.quit()

        window.run_finished.connect(on_finished)
        ticker = QTimer(interval=100)
        ticker.timeout.connect(on_tick)
        try:
            if not window.start_run():
                raise SmokeFailure(f"{scenario}: the window refused to start the run")
            ticker.start()
            if not finished:
                loop.exec()
        finally:
            ticker.stop()
            window.run_finished.disconnect(on_finished)
        self.app.processEvents()  # the window's own slots for the same signal run now
        if not finished:
            window.cancel_run()
            raise SmokeFailure(
                f"timeout: {scenario} still running after {self.timeout:.0f} s overall"
            )
        return finished[0] if finished[0] is not None else window.last_report


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_error(report: Any) -> str:
    errors = getattr(report, "errors", None) or []
    return f" (first error: {errors[0].type}: {errors[0].message})" if errors else ""


def _check_pool_timing(report: Any) -> None:
    """Squares correct from the serial loop and pools of 1 and 2, state completed, no errors."""
    if report is None or report.scenario != "pool-timing":
        raise SmokeFailure("pool-timing: the window reported no run")
    if report.state != "completed":
        raise SmokeFailure(
            f"pool-timing: state {report.state}, expected completed{_first_error(report)}"
        )
    if report.errors:
        raise SmokeFailure(f"pool-timing: {len(report.errors)} errors{_first_error(report)}")
    expected = [i * i for i in range(1, POOL_TIMING_N + 1)]
    sizes = sorted(e.measurement.pool_size for e in report.runs if e.measurement.backend == "pool")
    if sizes != [1, 2]:
        raise SmokeFailure(f"pool-timing: measured pool sizes {sizes}, expected [1, 2]")
    for entry in report.runs:
        if list(entry.results) != expected:
            m = entry.measurement
            raise SmokeFailure(
                f"pool-timing: {m.backend} size {m.pool_size} returned {list(entry.results)[:5]}…, "
                f"not the squares of 1..{POOL_TIMING_N}"
            )


def _check_start_join(report: Any) -> None:
    """Two child processes print; their prints come back (a worker's print must never crash)."""
    if report is None or report.state != "completed" or report.errors:
        state = getattr(report, "state", "no report")
        raise SmokeFailure(f"process-start-join: state {state}{_first_error(report)}")
    text = "\n".join(report.output)
    for expected in ("Square: ", "Cube: "):
        if expected not in text:
            raise SmokeFailure(
                f"process-start-join: the child's print {expected.strip()!r} never came back"
            )


def _check_exceptions(report: Any, window: Any) -> None:
    """An error record with its own traceback from every origin, in the report and the console."""
    if report is None or report.state != "completed":
        raise SmokeFailure(
            f"exceptions: state {getattr(report, 'state', 'no report')}, expected completed"
        )
    origins = {r.origin for r in report.errors if r.traceback.strip()}
    missing = [o for o in ORIGINS if o not in origins]
    if missing:
        raise SmokeFailure(
            f"exceptions: no error record with a traceback from {', '.join(missing)}"
        )

    def missing_from_console() -> list[str]:
        shown = {getattr(r, "origin", None) for r in window.error_records()}
        return [o for o in ORIGINS if o not in shown]

    # the console may take its records from queued events still on their way: wait, bounded
    _wait_for(missing_from_console, CONSOLE_WAIT_S)
    missing = missing_from_console()
    if missing:
        raise SmokeFailure(f"error console: no record from {', '.join(missing)}")


def _wait_for(pending: Any, seconds: float) -> None:
    """Process events until ``pending()`` comes back empty or ``seconds`` pass."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.monotonic() + seconds
    while pending() and time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.02)


def _export_plot(window: Any, output: str | None) -> Path:
    """Export the timing plot as PNG and check the file is one."""
    from PySide6.QtWidgets import QWidget

    from .exporters import export_png

    plot = window.findChild(QWidget, "timingPlot")
    if plot is None:
        raise SmokeFailure("no widget named timingPlot to export")
    folder = Path(output) if output else Path(tempfile.mkdtemp(prefix="concurrency-lab-smoke-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        path = Path(export_png(plot.plot_item(), folder / "timing.png"))
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
