"""Lifecycle: cancel in every scenario, close, quit, SIGTERM and SIGKILL of the app, CLI Ctrl-C.

The bar (issue 5): a cancelled run stops within 0.5 s; closing, quitting or SIGTERM during a run
exits within 2 s; after a SIGKILL the workers, the forkserver and the resource tracker end by
themselves within 1 s; Ctrl-C in the CLI exits 130 within 1 s. Nothing is left in any case.
Those figures are measured and printed (see conftest.py); the assertions use generous bounds so
that a loaded machine cannot fail them, while a hang or a leak still does.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest
from _process_watch import (
    DRIVER,
    alive,
    descendants,
    gui_env,
    is_helper,
    lab_threads,
    wait_for,
    workers,
)
from scenarios.scenario_params import BUSY  # per-scenario settings: tests/scenarios/

from desktop_app.engine.events import (
    MeasurementStarted,
    OutputLine,
    Progress,
    TasksFinished,
)
from desktop_app.engine.executors import executor_class, kind_names
from desktop_app.scenarios.registry import all_scenarios

# The fixtures lab_window, lab_host and figures, shared by the lifecycle, soak and bad-input tests

BUSY_TIMEOUT_S = 60.0  # the run gets going: pool start-up on a loaded machine
# Hang guards only, generous for a loaded 2-core machine; never speed claims (the figures, printed
# with -s, and the benchmarks under tests/benchmarks/ are where the targets are shown).
STOP_BOUND_S = 30.0  # the issue asks 0.5 s
EXIT_BOUND_S = 30.0  # the issue asks 2 s (1 s for the CLI)
ORPHAN_BOUND_S = 15.0  # the issue asks 1 s
PROCESS_KINDS = [k for k in kind_names() if executor_class(k).workers == "processes"]


def _tasks_done(events, backend=None):
    return any(
        isinstance(e, TasksFinished) and (backend is None or e.backend == backend) and len(e.spans)
        for e in events
    )


def _task_running(events):
    return any(isinstance(e, Progress) and e.running for e in events)


def _started(events, series):
    return any(isinstance(e, MeasurementStarted) and e.series.startswith(series) for e in events)


def _running_on(events, backend):
    """A task is running in a measurement on ``backend`` (progress after its start)."""
    starts = [
        i
        for i, e in enumerate(events)
        if isinstance(e, MeasurementStarted) and e.backend == backend
    ]
    return bool(starts) and _task_running(events[starts[-1] :])


def _lesson_processes_alive(count):
    return lambda events: len(workers()) >= count


# How to see that each scenario's work is under way (so the cancel lands mid-run, not before
# the first task); the parameters that keep it busy are tests/scenarios/scenario_params.BUSY.
UNDER_WAY = {
    "io-vs-cpu": lambda ev: _tasks_done(ev) and _task_running(ev),
    "process-pool": lambda ev: _tasks_done(ev, "pool"),
    "process-start-join": _lesson_processes_alive(2),
    "producer-consumer": lambda ev: any(
        isinstance(e, OutputLine) and "Added" in e.text for e in ev
    ),
    "sharing-data": _lesson_processes_alive(1),  # the receiving child: the transfer is under way
    "exceptions": lambda ev: _started(ev, "fault") and _task_running(ev),
    "thread-pool-factorial": lambda ev: _tasks_done(ev),
    "pool-timing": lambda ev: _running_on(ev, "pool"),
    "gil-interpreters": lambda ev: _tasks_done(ev) and _task_running(ev),
}
LONG_RUNS = {name: (BUSY[name], under_way) for name, under_way in UNDER_WAY.items()}


def test_every_registered_scenario_has_a_long_run():
    assert set(LONG_RUNS) == {scenario.id for scenario in all_scenarios()}


def _record_events(window):
    """Every event batch the window applies, seen by the test too (wraps the feed's slot)."""
    seen = []
    apply = window.feed.apply

    def recording_apply(batch):
        seen.extend(batch)
        apply(batch)

    window.feed.apply = recording_apply  # start_run connects window.feed.apply
    return seen


def _settled(window, threads_before) -> bool:
    """Only the run host and its warm, idle pools are left: no lesson process, no busy worker,
    no stray thread in the window's process."""
    held = [(kind, size) for kind, size, warm in window.host.describe() if warm]
    process_workers = sum(size for kind, size in held if kind in PROCESS_KINDS)
    threads = [t for t in lab_threads(threads_before) if not t.name.startswith("Dummy")]
    return len(workers()) == process_workers and not threads  # Dummy: Qt's own pool threads


@pytest.mark.parametrize("scenario_id", list(LONG_RUNS))
def test_cancel_mid_run_stops_at_once_and_leaves_nothing(scenario_id, lab_window, qtbot, figures):
    params, busy = LONG_RUNS[scenario_id]
    window = lab_window
    window.select_scenario(scenario_id)
    for name, value in params.items():
        window.set_param(name, value)
    window.set_pool_size(2)
    window.set_pool_sizes((2,))
    window.set_repeats(1)
    threads_before = set(threading.enumerate())
    events = _record_events(window)
    finished = []
    window.run_finished.connect(lambda report: finished.append((time.perf_counter(), report)))
    assert window.start_run(), window.last_refusal
    qtbot.waitUntil(lambda: bool(busy(events) or finished), timeout=int(BUSY_TIMEOUT_S * 1000))
    assert not finished, f"{scenario_id} ended before it could be cancelled: make it longer"

    cancelled_at = time.perf_counter()
    window.cancel_run()
    qtbot.waitUntil(lambda: bool(finished), timeout=int(STOP_BOUND_S * 1000))
    stopped_s = finished[0][0] - cancelled_at
    report = finished[0][1]
    assert report.state == "cancelled", (report.state, report.errors[:1])
    assert not window.is_running()

    settled = wait_for(lambda: _settled(window, threads_before), STOP_BOUND_S, poll=0.02)
    settled_s = time.perf_counter() - cancelled_at
    figures[f"cancel {scenario_id}"] = (
        f"run_finished {stopped_s * 1000:.0f} ms after cancel; idle {settled_s * 1000:.0f} ms"
    )
    assert settled, (
        f"left after cancel: processes {workers()}, pools {window.host.describe()}, "
        f"threads {lab_threads(threads_before)}"
    )
    assert stopped_s < STOP_BOUND_S


# --- the real app in a subprocess: close, quit, SIGTERM, SIGKILL -------------------------------

STARTUP_TIMEOUT_S = 90.0
# Qt's offscreen platform says this on every resize: not ours, and harmless.
QT_NOISE = ("This plugin does not support propagateSizeHints()",)


class GuiApp:
    """``_gui_driver.py``: the app with a run started by itself, under ``python -X dev``."""

    def __init__(self, tmp_path, scenario: str, *settings: str, pool_size: int = 2) -> None:
        self.stderr_path = tmp_path / "stderr.txt"
        self._stderr = self.stderr_path.open("wb")
        command = [sys.executable, "-X", "dev", str(DRIVER), scenario, *settings]
        self.proc = subprocess.Popen(
            [*command, "--pool-size", str(pool_size)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=gui_env(tmp_path / "config"),
            cwd=tmp_path,
        )
        self.pid = self.proc.pid
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, name="gui-stdout", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._lines.append(line.strip())

    def wait_busy(self, workers_needed: int, line: str = "run_started") -> list[psutil.Process]:
        """Wait for ``line`` on stdout and ``workers_needed`` worker processes; returns every
        descendant of the app."""

        def ready() -> bool:
            assert self.proc.poll() is None, f"the app exited early: {self.stderr()}"
            return line in self._lines and len(workers(self.pid)) >= workers_needed

        assert wait_for(ready, STARTUP_TIMEOUT_S, poll=0.05), (self._lines, self.stderr())
        return descendants(self.pid)

    def command(self, text: str) -> None:
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def wait_exit(self, timeout: float) -> float | None:
        """Seconds until the process exited (it is reaped), or None if it did not."""
        began = time.perf_counter()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        return time.perf_counter() - began

    def stderr(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def close(self) -> None:
        """Whatever happened, the app and everything it started are gone."""
        left = alive(descendants(self.pid))
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(30)
        for process in left:
            try:
                process.kill()
            except psutil.Error:
                pass
        self.proc.stdin.close()
        self.proc.stdout.close()
        self._stderr.close()


@pytest.fixture
def gui(tmp_path):
    apps = []

    def start(*args, **kwargs) -> GuiApp:
        apps.append(GuiApp(tmp_path, *args, **kwargs))
        return apps[-1]

    yield start
    for app in apps:
        app.close()


def _stderr_problems(text: str) -> list[str]:
    """Lines that must never appear when the app ends: warnings, tracebacks, leaks, fork."""
    bad = ("Traceback", "ResourceWarning", "Warning:", "leaked", "fork()", "Error")
    return [
        line for line in text.splitlines() if line not in QT_NOISE and any(b in line for b in bad)
    ]


STARTED, HANGING = "run_started", "measuring fault: hang"
# How each exit is asked for: a line on the driver's stdin, or a signal.
ENDINGS = {
    "close the window": lambda app: app.command("close"),
    "quit the app": lambda app: app.command("quit"),
    "SIGTERM": lambda app: app.proc.send_signal(signal.SIGTERM),
}
# What runs when it is asked: a pool with a hanging task, a Manager and a lesson child moving
# data, a Pool dispatching 100,000 tiny tasks.
ENDING_RUNS = {
    "close the window": (("exceptions", "fault=hang", "timeout=120"), 2, HANGING),
    "quit the app": (("sharing-data", "tool=ipc", "messages=100000", "msg_kb=64"), 2, STARTED),
    "SIGTERM": (("process-pool", "n=100000", "chunksize=1"), 2, STARTED),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_ending_the_app_mid_run_exits_at_once_cleanly_and_leaves_nothing(ending, gui, figures):
    run, workers_needed, line = ENDING_RUNS[ending]
    app = gui(*run)
    family = app.wait_busy(workers_needed, line)
    ENDINGS[ending](app)
    exit_s = app.wait_exit(EXIT_BOUND_S)
    assert exit_s is not None, f"still running {EXIT_BOUND_S} s after '{ending}'"
    gone = wait_for(lambda: not alive(family), ORPHAN_BOUND_S)
    figures[f"{ending} ({run[0]})"] = (
        f"exit {exit_s * 1000:.0f} ms, code {app.proc.returncode}, {len(family)} descendants gone"
    )
    assert gone, f"left behind: {alive(family)}"
    assert app.proc.returncode == 0, app.stderr()
    assert not _stderr_problems(app.stderr()), app.stderr()


PR_SET_CHILD_SUBREAPER = 36


class _Subreaper:
    """Make this process the reaper of the app's orphans for the test (Linux).

    After a SIGKILL the app's children are orphans; here pid 1 need not reap them (in a
    container it often does not), so they would stay zombies. As their subreaper the test sees
    them exit and reaps them itself, leaving nothing behind.
    """

    def __enter__(self):
        libc = ctypes.CDLL(None, use_errno=True)
        self._prctl = libc.prctl
        if self._prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            pytest.skip("prctl(PR_SET_CHILD_SUBREAPER) is not available")
        return self

    def reap(self, pids: list[int]) -> None:
        for pid in pids:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass

    def __exit__(self, *exc):
        self._prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


# What is alive when the app is killed: a pool with a hanging task; a lesson's two Process
# children; a Manager's server and a lesson child receiving data.
KILLED_RUNS = {
    "pool with a hanging task": (("exceptions", "fault=hang", "timeout=120"), 2, HANGING),
    "lesson processes": (("process-start-join", "hold_ms=10000"), 2, STARTED),
    "manager and ipc child": (
        ("sharing-data", "tool=ipc", "messages=100000", "msg_kb=64"),
        2,
        STARTED,
    ),
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGKILL orphans: Linux")
@pytest.mark.parametrize("name", list(KILLED_RUNS))
def test_sigkill_of_the_app_ends_every_child_by_itself(name, gui, figures):
    run, workers_needed, line = KILLED_RUNS[name]
    with _Subreaper() as reaper:
        app = gui(*run)
        family = app.wait_busy(workers_needed, line)
        helpers = [p for p in family if is_helper(p)]
        pids = [p.pid for p in family]
        app.proc.kill()
        killed_at = time.perf_counter()
        gone = wait_for(lambda: not alive(family), ORPHAN_BOUND_S, poll=0.005)
        gone_s = time.perf_counter() - killed_at
        left = alive(family)
        for process in left:  # a failure must not leave orphans burning CPU
            process.kill()
        app.proc.wait(30)
        wait_for(lambda: not alive(family), 5)
        reaper.reap(pids)
    figures[f"SIGKILL: {name}"] = (
        f"{len(family)} descendants ({len(helpers)} helpers) gone {gone_s * 1000:.0f} ms after"
    )
    # the resource tracker (the app's) and the forkserver (the run host's)
    assert len(helpers) == 2, f"expected the forkserver and the resource tracker: {family}"
    assert gone, f"alive {ORPHAN_BOUND_S} s after SIGKILL: {left}"


# --- Ctrl-C in the CLI (tests/cli covers lesson processes and a hanging task; here: a pool
# sweep under -X dev, the time to exit, and an impatient second Ctrl-C) ------------------------


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_in_a_pool_sweep_exits_130_at_once_and_cleanly(presses, tmp_path, figures):
    command = [sys.executable, "-X", "dev", "-m", "desktop_app", "run", "pool-timing"]
    options = ["--pool-sizes", "2", "--repeat", "1", "--set", "workload=cpu"]
    proc = subprocess.Popen(
        [*command, *options, "--set", "n=12", "--set", "cpu_ms=150"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=gui_env(tmp_path / "config"),
    )
    try:
        # the serial baseline runs first, in-process: pool workers mean the sweep reached them
        assert wait_for(lambda: proc.poll() is not None or len(workers(proc.pid)) >= 2, 90, 0.02)
        assert proc.poll() is None, proc.communicate()
        family = descendants(proc.pid)
        began = time.perf_counter()
        for _ in range(presses):
            proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=EXIT_BOUND_S)
        exit_s = time.perf_counter() - began
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    gone = wait_for(lambda: not alive(family), ORPHAN_BOUND_S)
    figures[f"CLI Ctrl-C x{presses} (pool-timing)"] = (
        f"exit {exit_s * 1000:.0f} ms, code {proc.returncode}, {len(family)} descendants gone"
    )
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == ["concurrency-lab: pool-timing interrupted (SIGINT)"]
    assert gone, f"left behind: {alive(family)}"
